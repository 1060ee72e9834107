import PosternTestSupport

/// The throwaway S/MIME PKI moved to PosternTestSupport (``SMIMETestPKI``) so that
/// every test target can use one copy; this name keeps these tests unchanged (and
/// shadows PosternTestSupport's TLS `TestPKI` inside this target).
typealias TestPKI = SMIMETestPKI
