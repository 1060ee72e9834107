import Testing

/// All S/MIME tests share one test PKI, made once by the suite trait.
@Suite(.smimeFixtures)
struct SMIMETests {}
