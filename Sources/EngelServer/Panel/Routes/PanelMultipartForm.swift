import Foundation

/// The fields of a `multipart/form-data` body (RFC 7578), as the panel's CSV upload posts it: each
/// part's field name, the file name a browser sends with a file, and the part's bytes.
///
/// Read whole from memory: the upload's limit (``ServerConfiguration/panelUploadMaximumBytes``)
/// bounds the body before it gets here. A body that breaks the format (no boundary, a part whose
/// headers never end, no closing delimiter) makes no form, rather than a guess at one.
struct PanelMultipartForm: Sendable {
    /// One field.
    struct Part: Sendable {
        /// The field's name (`name` of its `Content-Disposition`).
        let name: String
        /// The file's name, for a file field whose browser sent one.
        let fileName: String?
        /// The field's bytes.
        let content: [UInt8]

        /// The content as text (UTF-8; invalid bytes become U+FFFD).
        var text: String { String(decoding: content, as: UTF8.self) }
    }

    /// The fields, in the order the body holds them.
    let parts: [Part]

    /// The form `body` holds, with the boundary `contentType` names; `nil` unless `contentType` is
    /// `multipart/form-data` with a boundary and `body` follows the format.
    init?(body: [UInt8], contentType: String) {
        guard let boundary = Self.boundary(of: contentType) else { return nil }
        let delimiter = Array("--\(boundary)".utf8)
        let nextDelimiter = Array("\r\n--\(boundary)".utf8)
        let headerEnd = Array("\r\n\r\n".utf8)
        // What comes before the first delimiter is a preamble, to be ignored.
        guard var position = Self.index(of: delimiter, in: body, from: body.startIndex) else { return nil }
        position += delimiter.count
        var parts: [Part] = []
        while true {
            if body[position...].starts(with: "--".utf8) { break }
            // Transport padding may follow a delimiter before its line ends.
            while position < body.endIndex, [UInt8(ascii: " "), UInt8(ascii: "\t")].contains(body[position]) {
                position += 1
            }
            guard body[position...].starts(with: "\r\n".utf8) else { return nil }
            position += 2
            guard let headersEnd = Self.index(of: headerEnd, in: body, from: position),
                let contentEnd = Self.index(of: nextDelimiter, in: body, from: headersEnd + headerEnd.count)
            else { return nil }
            let headers = String(decoding: body[position..<headersEnd], as: UTF8.self)
            if let disposition = Self.disposition(headers) {
                parts.append(
                    Part(
                        name: disposition.name, fileName: disposition.fileName,
                        content: Array(body[(headersEnd + headerEnd.count)..<contentEnd])))
            }
            position = contentEnd + nextDelimiter.count
        }
        self.parts = parts
    }

    /// The first field named `name`.
    subscript(_ name: String) -> Part? {
        parts.first { $0.name == name }
    }

    /// The boundary of a `multipart/form-data` content type: 1 to 70 characters (RFC 2046), quoted
    /// or not.
    static func boundary(of contentType: String) -> String? {
        let parameters = Self.parameters(contentType)
        guard parameters.first?.value == nil,
            parameters.first?.name.lowercased() == "multipart/form-data",
            let boundary = parameters.dropFirst().first(where: { $0.name.lowercased() == "boundary" })?.value,
            (1...70).contains(boundary.utf8.count)
        else { return nil }
        return boundary
    }

    /// The field name and file name of a part's headers (`name` and `filename` of its
    /// `Content-Disposition: form-data`); `nil` when the part has none.
    private static func disposition(_ headers: String) -> (name: String, fileName: String?)? {
        for line in headers.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":"),
                line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition"
            else { continue }
            let parameters = Self.parameters(String(line[line.index(after: colon)...]))
            guard parameters.first?.name.lowercased() == "form-data",
                let name = parameters.first(where: { $0.name.lowercased() == "name" })?.value
            else { return nil }
            let fileName = parameters.first { $0.name.lowercased() == "filename" }?.value
            return (name, fileName)
        }
        return nil
    }

    /// The `;`-separated items of a header value: the first is usually a bare token (`value` `nil`),
    /// the rest `name=value` with the value unquoted (`\` escapes the next character in quotes).
    private static func parameters(_ text: String) -> [(name: String, value: String?)] {
        var items: [(name: String, value: String?)] = []
        var name = ""
        var value: String?
        var inQuotes = false
        var escaped = false
        func finish() {
            let trimmedName = name.trimmingCharacters(in: .whitespaces)
            if !trimmedName.isEmpty { items.append((trimmedName, value)) }
            name = ""
            value = nil
        }
        for character in text {
            if inQuotes {
                if escaped {
                    value?.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inQuotes = false
                } else {
                    value?.append(character)
                }
            } else if character == ";" {
                finish()
            } else if value == nil, character == "=" {
                value = ""
            } else if value != nil {
                if character == "\"", value?.trimmingCharacters(in: .whitespaces).isEmpty == true {
                    value = ""
                    inQuotes = true
                } else if character != " " && character != "\t" || value?.isEmpty == false {
                    value?.append(character)
                }
            } else {
                name.append(character)
            }
        }
        finish()
        return items.map { ($0.name, $0.value.map { $0.trimmingCharacters(in: .whitespaces) }) }
    }

    /// Where `pattern` first starts in `bytes` at or after `start`.
    private static func index(of pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard let first = pattern.first, bytes.count - start >= pattern.count else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            var candidate = start
            let last = buffer.count - pattern.count
            while candidate <= last {
                if buffer[candidate] == first,
                    pattern.indices.allSatisfy({ buffer[candidate + $0] == pattern[$0] })
                {
                    return candidate
                }
                candidate += 1
            }
            return nil
        }
    }
}
