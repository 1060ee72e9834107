import ArgumentParser
import Postern

/// `--server HOST[:PORT]`: the name that policies match and the certificate must carry.
struct ServerNameOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The submission server: the name policies match and the certificate must carry.", valueName: "host[:port]"))
    var server: String?

    /// The parsed `--server`, or `nil` when absent.
    func endpoint() throws -> ServerEndpoint? {
        guard let server else { return nil }
        return try parseEndpoint(server, option: "--server", portRequired: false)
    }

    mutating func validate() throws {
        _ = try endpoint()
    }
}

/// How to reach and secure the connection: `--connect`, `--security`, `--ca-file`,
/// `--helo`, `--timeout`.
struct ConnectionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where to open the TCP connection when it differs from --server (SNI and verification still use --server).",
            valueName: "host:port"))
    var connect: String?

    @Option(help: "implicit-tls or starttls (default: the first mode the policy allows).")
    var security: SecurityModeArgument?

    @Option(help: ArgumentHelp("Extra trust anchors (PEM), added to the system store.", valueName: "pem"))
    var caFile: String?

    @Option(help: ArgumentHelp("The name to announce in EHLO.", valueName: "name"))
    var helo: String?

    @Option(help: ArgumentHelp("Give up on a step after this many seconds.", valueName: "seconds"))
    var timeout: Double?

    mutating func validate() throws {
        if let connect {
            _ = try parseEndpoint(connect, option: "--connect", portRequired: true)
        }
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
        if let helo,
            helo.isEmpty
                || helo.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x21 || $0 == 0x7F } ?? false })
        {
            throw ValidationError("--helo must be a non-empty name without spaces or control characters")
        }
    }
}

/// The connection security modes a user may ask for.
enum SecurityModeArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case implicitTLS = "implicit-tls"
    case starttls
}

/// Parses `HOST[:PORT]`, turning a malformed value into a usage error that names the option.
func parseEndpoint(_ text: String, option: String, portRequired: Bool) throws -> ServerEndpoint {
    do {
        let endpoint = try ServerEndpoint(parsing: text)
        if portRequired, endpoint.port == nil {
            throw ValidationError("\(option) needs HOST:PORT")
        }
        return endpoint
    } catch let error as ServerEndpoint.ParseError {
        throw ValidationError("\(option): \(error.message)")
    }
}
