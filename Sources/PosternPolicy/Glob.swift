/// A precompiled, case-insensitive glob from a policy: `*` matches any run of characters.
///
/// A pattern holding `@` is an address glob (`*@example.org`) and matches whole addresses.
/// A pattern without `@` is a domain or host glob (`example.org`, `*.example.org`): it
/// matches a server host name, or an address whose domain (the part after the last `@`)
/// it matches. `*` alone matches everything. Matching folds ASCII case and never allocates
/// for native strings.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    /// The lower-cased pattern bytes; `*` (0x2A) is the wildcard.
    let bytes: [UInt8]
    /// True when the pattern names whole addresses (contains `@`).
    public let isAddressPattern: Bool
    /// True for `*`, which matches anything.
    let matchesEverything: Bool
    /// The pattern's shape, for the common shapes that need no backtracking.
    let shape: Shape

    /// Pattern shapes matched without the general wildcard loop.
    enum Shape: Sendable, Hashable {
        /// No `*`: the subject must equal the pattern (ASCII case folded).
        case literal
        /// One leading `*` and no other: the subject must end with the rest.
        case suffix
        /// Anything else.
        case general
    }

    /// Compiles a pattern, or returns why it is malformed.
    public static func compile(_ pattern: String) -> Result<Glob, GlobError> {
        if let problem = problem(in: pattern) { return .failure(GlobError(pattern: pattern, reason: problem)) }
        return .success(Glob(checked: pattern))
    }

    private init(checked pattern: String) {
        self.pattern = pattern
        bytes = pattern.utf8.map(asciiLower)
        isAddressPattern = pattern.contains("@")
        matchesEverything = pattern.utf8.allSatisfy { $0 == 0x2A }
        let stars = pattern.utf8.filter { $0 == 0x2A }.count
        if stars == 0 {
            shape = .literal
        } else if stars == 1 && pattern.utf8.first == 0x2A {
            shape = .suffix
        } else {
            shape = .general
        }
    }

    /// `pattern`.
    public var description: String { pattern }

    /// Matches an address (`user@host`); a domain pattern compares against the domain part.
    public func matches(address: String) -> Bool {
        if matchesEverything { return true }
        return withBytes(of: address) { matches(addressBytes: $0) }
    }

    /// ``matches(address:)`` over the address's UTF-8 bytes.
    @inline(__always)
    func matches(addressBytes subject: UnsafeBufferPointer<UInt8>) -> Bool {
        if matchesEverything { return true }
        if isAddressPattern { return wildcardMatch(subject, from: 0) }
        guard let at = subject.lastIndex(of: 0x40) else { return false }
        return wildcardMatch(subject, from: at + 1)
    }

    /// Matches a server host name; address patterns never match a host.
    public func matches(host: String) -> Bool {
        if matchesEverything { return true }
        if isAddressPattern { return false }
        return withBytes(of: host) { wildcardMatch($0, from: 0) }
    }

    private func wildcardMatch(_ subject: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        bytes.withUnsafeBufferPointer { pattern in
            switch shape {
            case .literal:
                return subject.count - start == pattern.count && Self.tailMatches(pattern, from: 0, subject)
            case .suffix:
                return subject.count - start >= pattern.count - 1 && Self.tailMatches(pattern, from: 1, subject)
            case .general:
                break
            }
            var patternIndex = 0
            var subjectIndex = start
            var starIndex = -1
            var resumeIndex = start
            // Greedy match with a single backtrack point: enough for `*`-only globs, O(n·m) worst case.
            while subjectIndex < subject.count {
                if patternIndex < pattern.count, pattern[patternIndex] == 0x2A {
                    starIndex = patternIndex
                    resumeIndex = subjectIndex
                    patternIndex += 1
                } else if patternIndex < pattern.count, pattern[patternIndex] == asciiLower(subject[subjectIndex]) {
                    patternIndex += 1
                    subjectIndex += 1
                } else if starIndex >= 0 {
                    patternIndex = starIndex + 1
                    resumeIndex += 1
                    subjectIndex = resumeIndex
                } else {
                    return false
                }
            }
            while patternIndex < pattern.count, pattern[patternIndex] == 0x2A { patternIndex += 1 }
            return patternIndex == pattern.count
        }
    }

    /// Whether `subject` ends with `pattern[from...]`, folding the subject's ASCII case.
    @inline(__always)
    private static func tailMatches(
        _ pattern: UnsafeBufferPointer<UInt8>, from start: Int, _ subject: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        var patternIndex = pattern.count
        var subjectIndex = subject.count
        while patternIndex > start {
            patternIndex -= 1
            subjectIndex -= 1
            if pattern[patternIndex] != asciiLower(subject[subjectIndex]) { return false }
        }
        return true
    }

    private static func problem(in pattern: String) -> String? {
        if pattern.isEmpty { return "a pattern must not be empty" }
        if pattern.utf8.count > 320 { return "a pattern must be at most 320 bytes" }
        if pattern.contains("**") { return "'**' is not a valid pattern; use a single '*'" }
        let parts = pattern.split(separator: "@", omittingEmptySubsequences: false)
        if parts.count > 2 { return "a pattern may contain at most one '@'" }
        if parts.count == 2, parts[0].isEmpty { return "an address pattern needs a local part before '@' (use '*')" }
        let domain = parts.count == 2 ? parts[1] : parts[0]
        if let problem = domainProblem(domain) { return problem }
        if parts.count == 2 {
            let allowedLocal = Set("!#$%&'*+-/=^_`{|}~.".unicodeScalars)
            for scalar in parts[0].unicodeScalars
            where !(scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
                && !allowedLocal.contains(scalar)
            {
                return "'\(scalar.escaped(asASCII: true))' is not allowed in the local part of an address pattern"
            }
        }
        return nil
    }

    private static func domainProblem(_ domain: Substring) -> String? {
        if domain.isEmpty { return "a domain pattern must not be empty" }
        if domain == "*" { return nil }
        for scalar in domain.unicodeScalars
        where !(scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
            && !"-.*_".unicodeScalars.contains(scalar)
        {
            return "'\(scalar.escaped(asASCII: true))' is not allowed in a domain or host pattern"
        }
        if domain.hasPrefix(".") || domain.hasSuffix(".") || domain.contains("..") {
            return "a domain pattern must not have empty labels"
        }
        return nil
    }
}

/// Why a glob pattern was rejected.
public struct GlobError: Error, Sendable, Hashable {
    /// The pattern as written.
    public let pattern: String
    /// What is wrong with it.
    public let reason: String
}

/// Runs `body` over the UTF-8 bytes of `text`, copying only for non-contiguous (bridged) strings.
@inline(__always)
func withBytes<R>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    return Array(text.utf8).withUnsafeBufferPointer(body)
}

/// A list of globs; matches when any member matches.
public struct GlobList: Sendable, Hashable {
    /// The members, in file order.
    public let globs: [Glob]

    /// Creates a list.
    public init(_ globs: [Glob]) { self.globs = globs }

    /// True when any glob matches the address.
    public func matches(address: String) -> Bool {
        withBytes(of: address) { subject in
            for glob in globs where glob.matches(addressBytes: subject) { return true }
            return false
        }
    }

    /// True when any glob matches the host.
    public func matches(host: String) -> Bool {
        for glob in globs where glob.matches(host: host) { return true }
        return false
    }
}
