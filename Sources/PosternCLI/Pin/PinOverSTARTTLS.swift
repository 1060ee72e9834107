/// `postern pin --server HOST[:PORT] --starttls`: needs the transport's STARTTLS dialogue.
enum PinOverSTARTTLS {
    static func run(_ target: PinFromServer.Target) async -> CommandResult {
        .failure(verb: "pin", status: .unavailable, message: "postern pin --starttls: not available yet in this build")
    }
}
