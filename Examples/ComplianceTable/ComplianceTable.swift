import Foundation
import Logging
import Postern

/// Prints a compliance table for a folder of `.eml` files under one or more policy layers,
/// using ``Postern/PolicyEvaluator``. Nothing is sent; no key is looked up.
@main
struct ComplianceTable {
    static func main() async {
        let status = await run(Array(CommandLine.arguments.dropFirst()))
        exit(status.rawValue)
    }

    static func run(_ argv: [String]) async -> ExitStatus {
        let arguments: ToolArguments
        do {
            guard let parsed = try ToolArguments.parse(argv) else {
                print(ToolArguments.usage)
                return .ok
            }
            arguments = parsed
        } catch {
            printError("ComplianceTable: \(error.message)\n\n\(ToolArguments.usage)")
            return .usage
        }

        func fail(_ status: ExitStatus, _ message: String, layers: [String] = []) -> ExitStatus {
            printError("ComplianceTable: \(message)")
            if arguments.format == .json {
                print(
                    TableOutput.json(
                        folder: arguments.folder, layers: layers, server: arguments.server, rows: [],
                        exitStatus: status, error: message),
                    terminator: "")
            }
            return status
        }

        let evaluator: PolicyEvaluator
        do {
            evaluator = try PolicyEvaluator(policyFiles: arguments.policyFiles)
        } catch {
            return fail(.config, "invalid policy:\n\(error.description)", layers: arguments.policyFiles)
        }
        let entries: [MessageFolder.Entry]
        do {
            entries = try MessageFolder(path: arguments.folder).entries()
        } catch {
            return fail(.noInput, error.message, layers: evaluator.layerFiles)
        }

        var logger = Logger(label: "compliance-table")
        logger.logLevel = ProcessInfo.processInfo.environment["COMPLIANCE_TABLE_DEBUG"] == nil ? .warning : .debug
        var rows: [ComplianceRow] = []
        for entry in entries {
            switch entry.contents {
            case .success(let bytes):
                let decision = await evaluator.evaluate(message: bytes, server: arguments.server, logger: logger)
                rows.append(ComplianceRow(file: entry.name, decision: decision))
            case .failure(let error):
                rows.append(ComplianceRow(file: entry.name, decision: nil, readError: error.message))
            }
        }

        let status = overallStatus(rows)
        switch arguments.format {
        case .text:
            print(TableOutput.text(rows), terminator: "")
            print(TableOutput.summary(rows, exitStatus: status), terminator: "")
        case .json:
            print(
                TableOutput.json(
                    folder: arguments.folder, layers: evaluator.layerFiles, server: arguments.server, rows: rows,
                    exitStatus: status, error: nil),
                terminator: "")
            printError(TableOutput.summary(rows, exitStatus: status))
        }
        return status
    }

    /// A refusal outranks a malformed message: the policy's "no" is the answer the table is for.
    static func overallStatus(_ rows: [ComplianceRow]) -> ExitStatus {
        if rows.contains(where: { $0.verdict == "deny" }) { return .noPerm }
        if rows.contains(where: { $0.verdict != "allow" }) { return .dataErr }
        return .ok
    }

    static func printError(_ text: String) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
