public import EngelCore
public import Foundation

extension ReceivedRequest where Payload: XMLDecodablePayload {
    /// Decodes an XML dialect body, however it travelled: raw XML (`text/xml`, `application/xml`,
    /// or no usable content type) or a form field `data=<url-encoded XML>`. The content type is not
    /// consulted, because older clients label both forms inconsistently.
    ///
    /// Like the JSON decoding, only what every request shares fails at once (400); a malformed
    /// `<blacklist>` is kept until ``blacklist()``, so credentials are checked first.
    public static func decode(xmlBody body: Data) throws(APIError) -> Self {
        let root = try WireXMLElement.parse(document: try XMLRequestBody.document(in: body))
        guard root.name == "request" else { throw APIError(.badRequest, "root <\(root.name)> is not <request>") }
        try root.requireContainer()
        let authentication = try root.child("authentication").map {
            (element) throws(APIError) in try AuthenticationPayload(xml: element)
        }
        let payload: Result<Payload?, APIError>
        do {
            payload = .success(
                try root.child("blacklist").map { (element) throws(APIError) in try Payload(xml: element) })
        } catch {
            payload = .failure(error)
        }
        return Self(authentication: authentication, payload: payload)
    }
}

/// Finds the XML document in a body that is either the document itself or a form.
enum XMLRequestBody {
    static func document(in body: Data) throws(APIError) -> Data {
        let significant = body.drop { byte in
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }
        if significant.first == UInt8(ascii: "<") || significant.starts(with: [0xEF, 0xBB, 0xBF]) {
            return Data(significant)
        }
        guard let form = String(data: significant, encoding: .utf8) else {
            throw APIError(.badRequest, "body is neither XML nor a UTF-8 form")
        }
        for field in form.split(separator: "&") {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, formDecoded(parts[0]) == "data" else { continue }
            guard let value = formDecoded(parts[1]) else { throw APIError(.badRequest, "data is not url-encoded") }
            return Data(value.utf8)
        }
        throw APIError(.badRequest, "body is neither XML nor a form with a data field")
    }

    private static func formDecoded(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
