import PosternTestSupport

// The run-time GnuPG keyring moved to PosternTestSupport so that every test target can
// use one copy; these names keep the OpenPGP tests unchanged.

/// What kind of test key to make.
typealias TestKeyKind = GnuPGTestKeyKind
/// One key to generate.
typealias TestKey = GnuPGTestKey
/// A real GnuPG keyring in a short temporary directory.
typealias TestKeyring = GnuPGTestKeyring
/// The outcome of one gpg run.
typealias CommandResult = GnuPGCommandResult
/// A test setup failure.
typealias TestFailure = GnuPGTestFailure
