import EngelCore
import EngelWire
import Foundation
import HummingbirdTesting
import Testing

/// What only the XML dialect has: its transports, CDATA and entities, and its exact answers. Every
/// behaviour it shares with JSON is tested in both dialects by the other suites.
@Suite("XML dialect")
struct XMLDialectTests {
    /// How older clients deliver the document: a content type, and whether it is a form field.
    struct Delivery: Sendable, CustomTestStringConvertible {
        let contentType: String?
        let asForm: Bool
        var testDescription: String { "\(contentType ?? "no content type")\(asForm ? ", data=" : "")" }
    }

    static let deliveries: [Delivery] = [
        Delivery(contentType: "text/xml", asForm: false),
        Delivery(contentType: "text/xml; charset=utf-8", asForm: false),
        Delivery(contentType: "application/xml", asForm: false),
        Delivery(contentType: "application/x-www-form-urlencoded", asForm: true),
        Delivery(contentType: "application/x-www-form-urlencoded; charset=UTF-8", asForm: true),
        // curl -d with a broken header argument: labelled a form, but the XML as is.
        Delivery(contentType: "application/x-www-form-urlencoded", asForm: false),
        Delivery(contentType: nil, asForm: false),
        Delivery(contentType: nil, asForm: true),
    ]

    @Test("every transport older clients use reaches the same list", arguments: Transport.allCases, deliveries)
    func transport(_ transport: Transport, _ delivery: Delivery) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            func post(_ endpoint: Endpoint, _ request: WireValue) async throws -> Answer {
                let document = #"<?xml version="1.0" encoding="UTF-8"?>"# + request.xml
                let body = delivery.asForm ? "other=1&data=" + formEncoded(document) : document
                return try await client.post(endpoint.path(.xml), body, contentType: delivery.contentType)
            }
            let added = try await post(.add, harness.request(blacklist: ["number": "+905321234567"]))
            #expect(added.body == statusBody(200, "İşlem başarılı", in: .xml))
            #expect(added.contentType == "application/xml; charset=utf-8")
            let listed = try await post(.list, harness.request(blacklist: ["page": "1", "rowCount": "10"]))
            #expect(listed.body == listBody(count: 1, numbers: ["+905321234567"], in: .xml))
            let deleted = try await post(.delete, harness.request(blacklist: ["number": "5321234567"]))
            #expect(deleted.status == 200)
        }
    }

    @Test(
        "processing instructions are refused; the leading declaration is fine",
        arguments: [
            // The fuzzer's input: FoundationXML, the parser before ours, dereferenced null on a
            // processing instruction without data.
            ("<requ<rowCount>ntication<haonpage><vo<?xm?>est>", false),
            ("<request><?xm?></request>", false),
            ("<request><?target some data?></request>", false),
            ("<?xml version=\"1.0\"?><request><?xml version=\"1.0\"?></request>", false),
            (" <?xml version=\"1.0\"?><request/>", false),
            ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><request/>", true),
            ("\u{FEFF}<?xml version=\"1.0\"?>\n<request/>", true),
            ("<request/>", true),
        ])
    func processingInstructions(document: String, accepted: Bool) {
        let parsed = Result { () throws(APIError) in try WireXMLElement.parse(document: Data(document.utf8)) }
        switch parsed {
        case .success(let root): #expect(accepted && root.name == "request")
        case .failure(let error): #expect(!accepted && error.status == .badRequest)
        }
    }

    @Test(
        "CDATA sections, character references and predefined entities are read as text",
        arguments: Transport.allCases)
    func cdataAndEntities(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        let credentials = try #require(harness.accounts["acme"])
        try await harness.withClient { client in
            let authentication =
                "<authentication><key><![CDATA[\(credentials.key)]]></key><hash>\(credentials.hash)</hash></authentication>"
            for number in [
                "<![CDATA[+905321234567]]>", "&#43;90532&#x31;234568", "(0532) 123 45 69", "<![CDATA[0532]]>1234570",
            ] {
                let answer = try await client.post(
                    Endpoint.add.path(.xml),
                    "<request>\(authentication)<blacklist><number>\(number)</number></blacklist></request>",
                    contentType: "text/xml")
                #expect(answer.status == 200, "\(number)")
            }
            let filtered = try await client.post(
                Endpoint.list.path(.xml),
                "<request>\(authentication)<blacklist><filter><start><![CDATA[2000-01-01 00:00:00]]></start><end/></filter><page>&#49;</page></blacklist></request>",
                contentType: "text/xml")
            #expect(
                filtered.body
                    == listBody(
                        count: 4, numbers: ["+905321234567", "+905321234568", "+905321234569", "+905321234570"],
                        in: .xml))
        }
    }

    @Test("both dialects share one list", arguments: Transport.allCases, WireDialect.allCases)
    func sharedStore(transport: Transport, addedIn dialect: WireDialect) async throws {
        let harness = try await Harness.make(transport)
        let other: WireDialect = dialect == .json ? .xml : .json
        try await harness.withClient { client in
            #expect(try await client.add(harness, "905321234567", in: dialect).status == 200)
            let listed = try await client.list(harness, nil, in: other)
            #expect(listed.numbers == ["+905321234567"])
            #expect(try await client.delete(harness, "905321234567", in: other).status == 200)
            #expect(try await client.delete(harness, "905321234567", in: dialect).status == 474)
        }
    }

    @Test(
        "the answer has no whitespace inside elements, for clients matching <code>200</code>",
        arguments: Transport.allCases)
    func noWhitespace(transport: Transport) async throws {
        let harness = try await Harness.make(transport)
        try await harness.withClient { client in
            _ = try await client.add(harness, "905321234567", in: .xml)
            let listed = try await client.list(harness, nil, in: .xml)
            #expect(listed.body.contains("<code>200</code>"))
            #expect(!listed.body.contains("\n"))
            #expect(!listed.body.contains("> <"))
            #expect(listed.body.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?><response>"#))
        }
    }
}
