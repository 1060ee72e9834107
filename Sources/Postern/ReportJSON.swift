import Foundation

extension Report {
    /// A JSON value, used for the free-form `policy.effective` section.
    public enum JSON: Sendable, Equatable, Codable {
        /// `null`.
        case null
        /// `true` / `false`.
        case bool(Bool)
        /// A number.
        case number(Double)
        /// A string.
        case string(String)
        /// An array.
        case array([JSON])
        /// An object; written with sorted keys.
        case object([String: JSON])

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([JSON].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: JSON].self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .bool(let value): try container.encode(value)
            case .number(let value):
                // Whole numbers print without a fraction (`2048`, not `2048.0`).
                if value.rounded() == value, let exact = Int64(exactly: value) {
                    try container.encode(exact)
                } else {
                    try container.encode(value)
                }
            case .string(let value): try container.encode(value)
            case .array(let value): try container.encode(value)
            case .object(let value): try container.encode(value)
            }
        }
    }

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
