import Foundation

extension Report {
    /// The report as one JSON object, keys sorted, no trailing newline.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Decodes a report written by ``jsonData()``.
    public static func decode(from data: Data) throws -> Report {
        try JSONDecoder().decode(Report.self, from: data)
    }
}
