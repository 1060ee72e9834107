// The system OpenSSL libcrypto (3.0.x), as seen by PosternSMIME.
//
// OpenSSL exposes several APIs as function-like macros (typed stacks, BIO
// controls, OPENSSL_free) that Swift cannot import. Each one PosternSMIME needs
// is wrapped here as a `static inline` function with the same meaning.
// Only libcrypto is linked: Postern never uses OpenSSL's TLS (that is NIOSSL).
#ifndef POSTERN_CLIBCRYPTO_SHIM_H
#define POSTERN_CLIBCRYPTO_SHIM_H

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>

// MARK: - STACK_OF(X509)

static inline STACK_OF(X509) *postern_sk_X509_new_null(void) { return sk_X509_new_null(); }
static inline int postern_sk_X509_push(STACK_OF(X509) *sk, X509 *x) { return sk_X509_push(sk, x); }
static inline int postern_sk_X509_num(const STACK_OF(X509) *sk) { return sk_X509_num(sk); }
static inline X509 *postern_sk_X509_value(const STACK_OF(X509) *sk, int i) { return sk_X509_value(sk, i); }
/// Frees the stack and drops one reference on each certificate in it.
static inline void postern_sk_X509_pop_free(STACK_OF(X509) *sk) { sk_X509_pop_free(sk, X509_free); }
/// Frees the stack only (for stacks whose certificates are borrowed, e.g. CMS_get0_signers).
static inline void postern_sk_X509_free(STACK_OF(X509) *sk) { sk_X509_free(sk); }

// MARK: - X509_LOOKUP

/// X509_LOOKUP_add_dir is a macro over X509_LOOKUP_ctrl: lazy lookups by subject hash in `dirs`
/// (`:`-separated), PEM files.
static inline int postern_X509_LOOKUP_add_dir(X509_LOOKUP *lookup, const char *dirs) {
    return X509_LOOKUP_add_dir(lookup, dirs, X509_FILETYPE_PEM);
}

// MARK: - GENERAL_NAMES (subjectAltName)

static inline int postern_sk_GENERAL_NAME_num(const GENERAL_NAMES *sk) { return sk_GENERAL_NAME_num(sk); }
static inline GENERAL_NAME *postern_sk_GENERAL_NAME_value(const GENERAL_NAMES *sk, int i) { return sk_GENERAL_NAME_value(sk, i); }
static inline int postern_GENERAL_NAME_type(const GENERAL_NAME *name) { return name->type; }
/// The rfc822Name of a GENERAL_NAME of type GEN_EMAIL, or NULL for any other type.
static inline const ASN1_IA5STRING *postern_GENERAL_NAME_rfc822Name(const GENERAL_NAME *name) {
    return name->type == GEN_EMAIL ? name->d.rfc822Name : NULL;
}
static inline GENERAL_NAMES *postern_X509_get_subject_alt_names(const X509 *x) {
    return (GENERAL_NAMES *)X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
}

// MARK: - BIO

static inline long postern_BIO_get_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }
/// Makes an empty memory BIO report end-of-file (0) instead of "retry later" (-1),
/// which a reader of complete input (SMIME_read_CMS, base64 filters) needs.
static inline void postern_BIO_set_mem_eof_return(BIO *b, int v) { (void)BIO_set_mem_eof_return(b, v); }
static inline int postern_BIO_flush(BIO *b) { return (int)BIO_flush(b); }
static inline int postern_BIO_eof(BIO *b) { return (int)BIO_eof(b); }

// MARK: - Errors and memory

static inline int postern_ERR_GET_REASON(unsigned long e) { return ERR_GET_REASON(e); }
static inline int postern_ERR_GET_LIB(unsigned long e) { return ERR_GET_LIB(e); }
static inline void postern_OPENSSL_free(void *p) { OPENSSL_free(p); }

// MARK: - Constants whose macro types do not import cleanly

static const unsigned int postern_CMS_DETACHED = CMS_DETACHED;
static const unsigned int postern_CMS_BINARY = CMS_BINARY;
static const unsigned int postern_CMS_PARTIAL = CMS_PARTIAL;
static const unsigned int postern_CMS_STREAM = CMS_STREAM;
static const unsigned int postern_CMS_KEY_PARAM = CMS_KEY_PARAM;
static const uint32_t postern_KU_KEY_ENCIPHERMENT = KU_KEY_ENCIPHERMENT;
static const uint32_t postern_KU_KEY_AGREEMENT = KU_KEY_AGREEMENT;
static const uint32_t postern_KU_DIGITAL_SIGNATURE = KU_DIGITAL_SIGNATURE;
static const uint32_t postern_KU_NON_REPUDIATION = KU_NON_REPUDIATION;
static const uint32_t postern_XKU_SMIME = XKU_SMIME;
static const uint32_t postern_XKU_ANYEKU = XKU_ANYEKU;
static const unsigned long postern_XN_FLAG_RFC2253 = XN_FLAG_RFC2253;
static const uint32_t postern_EXFLAG_INVALID = EXFLAG_INVALID;
static const uint32_t postern_EXFLAG_KUSAGE = EXFLAG_KUSAGE;
static const uint32_t postern_EXFLAG_XKUSAGE = EXFLAG_XKUSAGE;

#endif
