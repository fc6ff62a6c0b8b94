/* configs/default.c4m, compiled into chalk_plugin: every program that runs the commands
   (docker-chalk and the command tests) has the default config. */
        .section .rodata.chalk_embedded,"a"
        .balign 16
        .global chalk_default_config_start
        .global chalk_default_config_end
chalk_default_config_start:
        .incbin CHALK_DEFAULT_CONFIG_FILE
chalk_default_config_end:
        .section .note.GNU-stack,"",@progbits
