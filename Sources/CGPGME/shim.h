#ifndef POSTERN_CGPGME_SHIM_H
#define POSTERN_CGPGME_SHIM_H

/* GPGME's error helpers are static inline functions and macros built on
 * libgpg-error; these wrappers give Swift stable, plainly typed entry points. */
#include <gpgme.h>

static inline unsigned int postern_gpgme_err_code(gpgme_error_t err) {
    return (unsigned int)gpgme_err_code(err);
}

static inline gpgme_error_t postern_gpgme_error_canceled(void) {
    return gpgme_error(GPG_ERR_CANCELED);
}

static inline gpgme_error_t postern_gpgme_no_error(void) {
    return 0;
}

static inline unsigned int postern_gpg_err_code_eof(void) {
    return (unsigned int)GPG_ERR_EOF;
}

static inline unsigned int postern_gpg_err_code_no_error(void) {
    return (unsigned int)GPG_ERR_NO_ERROR;
}

#endif
