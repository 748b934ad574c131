import Foundation

/// A JSON value: what the OpenAPI document and the server's answers are both read into.
indirect enum JSONValue: Sendable, Equatable, Decodable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    var string: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }
}

/// Reads the block-style YAML subset `openapi.yaml` is written in: mappings and sequences by
/// indentation, `[a, b]` flow sequences of scalars, single-quoted and plain scalars, comment lines.
///
/// A full YAML parser is not in the dependency graph; schemathesis reads the same file with a real
/// one, so a construct this reader misreads would show up as a disagreement between the two.
struct YAMLSubsetReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private struct Line {
        let indent: Int
        let text: String
        let number: Int
    }

    private var lines: [Line]
    private var position = 0

    init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap {
            index, raw in
            let trimmed = raw.drop { $0 == " " }
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            return Line(indent: raw.count - trimmed.count, text: String(trimmed), number: index + 1)
        }
    }

    static func read(_ text: String) throws -> JSONValue {
        var reader = YAMLSubsetReader(text)
        return try reader.block(indent: 0)
    }

    private mutating func block(indent: Int) throws -> JSONValue {
        guard position < lines.count else { return .null }
        return lines[position].text.hasPrefix("- ") ? try sequence(indent: indent) : try mapping(indent: indent)
    }

    private mutating func mapping(indent: Int) throws -> JSONValue {
        var members: [String: JSONValue] = [:]
        while position < lines.count, lines[position].indent == indent, !lines[position].text.hasPrefix("- ") {
            let line = lines[position]
            position += 1
            let (key, rest) = try Self.split(line)
            if rest.isEmpty {
                guard position < lines.count, lines[position].indent > indent else {
                    throw Failure(description: "line \(line.number): no value for \(key)")
                }
                members[key] = try block(indent: lines[position].indent)
            } else {
                members[key] = Self.scalar(rest)
            }
        }
        if position < lines.count, lines[position].indent > indent {
            throw Failure(description: "line \(lines[position].number): unexpected indentation")
        }
        return .object(members)
    }

    private mutating func sequence(indent: Int) throws -> JSONValue {
        var items: [JSONValue] = []
        while position < lines.count, lines[position].indent == indent, lines[position].text.hasPrefix("- ") {
            let line = lines[position]
            let content = String(line.text.dropFirst(2))
            if content.contains(": ") || content.hasSuffix(":") {
                // A mapping item: its first member sits on the dash's line, two columns in.
                lines[position] = Line(indent: indent + 2, text: content, number: line.number)
                items.append(try mapping(indent: indent + 2))
            } else {
                position += 1
                items.append(Self.scalar(content))
            }
        }
        return .array(items)
    }

    private static func split(_ line: Line) throws -> (String, String) {
        guard
            let colon = line.text.range(of: ": ")
                ?? (line.text.hasSuffix(":") ? line.text.range(of: ":", options: .backwards) : nil)
        else { throw Failure(description: "line \(line.number): not a mapping member") }
        let key = unquoted(String(line.text[..<colon.lowerBound]))
        return (key, String(line.text[colon.upperBound...]).trimmingCharacters(in: .whitespaces))
    }

    private static func scalar(_ text: String) -> JSONValue {
        if text.hasPrefix("[") && text.hasSuffix("]") {
            return .array(flowItems(String(text.dropFirst().dropLast())).map(scalar))
        }
        if text.hasPrefix("'") { return .string(unquoted(text)) }
        if let integer = Int(text) { return .integer(integer) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        return .string(text)
    }

    private static func unquoted(_ text: String) -> String {
        guard text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") else { return text }
        return String(text.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
    }

    private static func flowItems(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        for character in text {
            if character == "'" { quoted.toggle() }
            if character == "," && !quoted {
                items.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty { items.append(last) }
        return items
    }
}

/// Validates values against the JSON Schema subset the document uses: `$ref`, `type` (with
/// `nullable`), `enum`, `pattern`, `minimum`, `maximum`, `maxItems`, `items`, `properties`,
/// `required`, `additionalProperties: false` and `oneOf`. Returns what does not conform.
struct SchemaValidator {
    let document: JSONValue

    func problems(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        if let reference = schema["$ref"]?.string {
            guard let resolved = resolve(reference) else { return ["\(path): unresolvable \(reference)"] }
            return problems(value, against: resolved, at: path)
        }
        if case .array(let choices) = schema["oneOf"] {
            let matching = choices.filter { problems(value, against: $0, at: path).isEmpty }.count
            return matching == 1 ? [] : ["\(path): matches \(matching) of oneOf"]
        }
        if value == .null {
            return schema["nullable"] == .bool(true) ? [] : ["\(path): null where not nullable"]
        }
        var found: [String] = []
        if case .array(let allowed) = schema["enum"], !allowed.contains(value) {
            found.append("\(path): \(value) not in enum")
        }
        switch (schema["type"]?.string, value) {
        case ("object", .object(let members)):
            found += objectProblems(members, schema: schema, path: path)
        case ("array", .array(let items)):
            if case .integer(let maximum) = schema["maxItems"], items.count > maximum {
                found.append("\(path): more than \(maximum) items")
            }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() {
                    found += problems(item, against: itemSchema, at: "\(path)[\(index)]")
                }
            }
        case ("string", .string(let text)):
            if let pattern = schema["pattern"]?.string, text.range(of: pattern, options: .regularExpression) == nil {
                found.append("\(path): \(text) does not match \(pattern)")
            }
        case ("integer", .integer(let number)):
            if case .integer(let minimum) = schema["minimum"], number < minimum {
                found.append("\(path): below minimum")
            }
            if case .integer(let maximum) = schema["maximum"], number > maximum {
                found.append("\(path): above maximum")
            }
        case (nil, _):
            break
        case (let type?, _):
            found.append("\(path): \(value) is not of type \(type)")
        }
        return found
    }

    private func objectProblems(_ members: [String: JSONValue], schema: JSONValue, path: String) -> [String] {
        var found: [String] = []
        let properties: [String: JSONValue]
        if case .object(let declared) = schema["properties"] { properties = declared } else { properties = [:] }
        if case .array(let required) = schema["required"] {
            for case .string(let name) in required where members[name] == nil {
                found.append("\(path): missing \(name)")
            }
        }
        for (name, member) in members {
            if let propertySchema = properties[name] {
                found += problems(member, against: propertySchema, at: "\(path).\(name)")
            } else if schema["additionalProperties"] == .bool(false) {
                found.append("\(path): unexpected \(name)")
            }
        }
        return found
    }

    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for component in reference.dropFirst(2).split(separator: "/") {
            node = node?[String(component)]
        }
        return node
    }

    /// The schema of the answer `operationPath` documents for `status`, with `$ref`s to responses followed.
    func responseSchema(path operationPath: String, status: Int) -> JSONValue? {
        var response = document["paths"]?[operationPath]?["post"]?["responses"]?[String(status)]
        if let reference = response?["$ref"]?.string { response = resolve(reference) }
        return response?["content"]?["application/json"]?["schema"]
    }

    /// The schema of the request body `operationPath` documents.
    func requestSchema(path operationPath: String) -> JSONValue? {
        document["paths"]?[operationPath]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]
    }
}
