/* The static runtime shim, compiled into docker-chalk when this build has it, so the plugin
   installs as one file; zstd-compressed, unpacked only when its layer is built (embedded.cpp).
   Its symbols are weak in embedded.cpp: without them, no shim. */
        .section .rodata.chalk_embedded,"a"
#ifdef CHALK_SHIM_ZST_FILE
        .balign 16
        .global chalk_shim_zst_start
        .global chalk_shim_zst_end
chalk_shim_zst_start:
        .incbin CHALK_SHIM_ZST_FILE
chalk_shim_zst_end:
        .global chalk_shim_sha256
chalk_shim_sha256:
        .incbin CHALK_SHIM_DIGEST_FILE, 0, 64
#endif
        .section .note.GNU-stack,"",@progbits
