import ArgumentParser
import Logging
import Postern

/// `postern pin`: print the SPKI pin of a server's or a file's certificate.
struct PinCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Print the leaf certificate's SPKI pin as sha256//BASE64 (--chain: every certificate's)."
    )

    @OptionGroup(title: "Server") var server: ServerNameOption

    @Flag(help: "Connect with STARTTLS instead of implicit TLS (with --server).")
    var starttls = false

    @Option(help: ArgumentHelp("Read the certificate(s) from this PEM file instead of a server.", valueName: "file"))
    var cert: String?

    @Flag(help: "Print a pin for every certificate of the chain, not only the leaf.")
    var chain = false

    @Option(
        help: ArgumentHelp("Where to open the TCP connection when it differs from --server.", valueName: "host:port"))
    var connect: String?

    @Option(help: ArgumentHelp("Give up after this many seconds.", valueName: "seconds"))
    var timeout: Double?

    @Option(
        help: ArgumentHelp("Extra trust anchors (PEM) for the 'verified' verdict (with --server).", valueName: "pem"))
    var caFile: String?

    @OptionGroup var output: OutputOptions

    mutating func validate() throws {
        switch (server.server, cert) {
        case (nil, nil): throw ValidationError("pin needs --server HOST[:PORT] or --cert FILE")
        case (.some, .some): throw ValidationError("give either --server or --cert, not both")
        default: break
        }
        if cert != nil, starttls || connect != nil || timeout != nil || caFile != nil {
            throw ValidationError("--starttls, --connect, --timeout and --ca-file apply only with --server")
        }
        if let connect {
            _ = try parseEndpoint(connect, option: "--connect", portRequired: true)
        }
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
    }

    func execute(logger: Logger) async -> CommandResult {
        OptionTrace.log(
            verb: "pin", logger: logger,
            ["server": server.server, "cert": cert, "starttls": starttls ? "yes" : "no", "chain": chain ? "yes" : "no"])
        if let cert {
            return PinFromFile.run(path: cert, chain: chain)
        }
        // validate() guarantees --server is present and parses, and --connect parses.
        guard let endpoint = try? server.endpoint() else {
            return .failure(
                verb: "pin", status: .usage, message: "postern pin: needs --server HOST[:PORT] or --cert FILE")
        }
        let connectEndpoint = connect.flatMap { try? parseEndpoint($0, option: "--connect", portRequired: true) }
        let target = PinFromServer.Target(
            server: endpoint, connect: connectEndpoint, caFile: caFile, timeout: timeout, chain: chain)
        if starttls {
            return await PinOverSTARTTLS.run(target, logger: logger)
        }
        return await PinFromServer.run(target)
    }
}
