/* Files compiled into docker-chalk, so the plugin installs as one file: the default
   config (always) and the static runtime shim (when it was built). */
        .section .rodata.chalk_embedded,"a"
        .balign 16
        .global chalk_default_config_start
        .global chalk_default_config_end
chalk_default_config_start:
        .incbin CHALK_DEFAULT_CONFIG_FILE
chalk_default_config_end:
#ifdef CHALK_SHIM_FILE
        .balign 16
        .global chalk_shim_start
        .global chalk_shim_end
chalk_shim_start:
        .incbin CHALK_SHIM_FILE
chalk_shim_end:
#endif
        .section .note.GNU-stack,"",@progbits
