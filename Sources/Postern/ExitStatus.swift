/// A process exit status from `sysexits.h`, as fixed by the Postern contract (§2).
///
/// A struct rather than an enum so that a later contract version can add a status
/// without breaking code that switches over the known ones.
public struct ExitStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The numeric exit code handed to the operating system.
    public let rawValue: Int32

    /// Creates a status from its numeric code.
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// 0 — sent, allowed or valid.
    public static let ok = ExitStatus(rawValue: 0)
    /// 64 (`EX_USAGE`) — bad command line.
    public static let usage = ExitStatus(rawValue: 64)
    /// 65 (`EX_DATAERR`) — malformed message or input.
    public static let dataErr = ExitStatus(rawValue: 65)
    /// 66 (`EX_NOINPUT`) — input file missing or unreadable.
    public static let noInput = ExitStatus(rawValue: 66)
    /// 69 (`EX_UNAVAILABLE`) — server unreachable or permanently refusing, or a
    /// feature this build does not provide.
    public static let unavailable = ExitStatus(rawValue: 69)
    /// 75 (`EX_TEMPFAIL`) — temporary failure; nothing was accepted and the caller
    /// still holds the message.
    public static let tempFail = ExitStatus(rawValue: 75)
    /// 77 (`EX_NOPERM`) — the policy denied it.
    public static let noPerm = ExitStatus(rawValue: 77)
    /// 78 (`EX_CONFIG`) — a policy or configuration file is invalid.
    public static let config = ExitStatus(rawValue: 78)

    /// The `sysexits.h` name (`EX_USAGE`, …), or the bare number for an unknown code.
    public var description: String {
        switch rawValue {
        case 0: "EX_OK"
        case 64: "EX_USAGE"
        case 65: "EX_DATAERR"
        case 66: "EX_NOINPUT"
        case 69: "EX_UNAVAILABLE"
        case 75: "EX_TEMPFAIL"
        case 77: "EX_NOPERM"
        case 78: "EX_CONFIG"
        default: String(rawValue)
        }
    }

    /// The report decision that goes with this status: `allow` for ``ok``, `deny`
    /// for ``noPerm``, `error` for everything else.
    public var decision: Report.Decision {
        switch self {
        case .ok: .allow
        case .noPerm: .deny
        default: .error
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(Int32.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
