import ArgumentParser
import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import Testing

@testable import EngelCLI

@Suite("engel webhook")
struct WebhookCommandTests {
    @Test("add prints the secret once; list never shows it; remove removes; the audit log has both")
    func addListRemove() async throws {
        let store: any EngelStore = MemoryStore()
        _ = try await AccountAdministration(store: store).create(named: "acme")
        _ = try await AccountAdministration(store: store).create(named: "globex")
        let actions = WebhookActions { store }

        let added = CapturedOutput()
        try await actions.add(account: "acme", url: "https://crm.example.com/engel", json: true, to: added)
        struct Shown: Decodable {
            let id: Int64
            let account: String
            let url: String
            let secret: String
        }
        let shown = try JSONDecoder().decode(Shown.self, from: Data(added.contents.utf8))
        #expect(shown.account == "acme" && shown.url == "https://crm.example.com/engel")
        #expect(shown.secret.wholeMatch(of: /whsec_[A-Za-z0-9]{32,}/) != nil)
        let text = CapturedOutput()
        try await actions.add(account: "globex", url: "http://127.0.0.1:9/hook", json: false, to: text)
        #expect(text.contents.contains("Secret:  whsec_"))

        for json in [false, true] {
            let listed = CapturedOutput()
            try await actions.list(account: nil, json: json, to: listed)
            #expect(listed.contents.contains("https://crm.example.com/engel"))
            #expect(listed.contents.contains("http://127.0.0.1:9/hook"))
            #expect(!listed.contents.contains("whsec_"))
        }
        let acmeOnly = CapturedOutput()
        try await actions.list(account: "acme", json: false, to: acmeOnly)
        #expect(acmeOnly.contents.contains("crm.example.com") && !acmeOnly.contents.contains("127.0.0.1"))

        await #expect(throws: WebhookNotFound.self) {
            try await actions.remove(account: "globex", id: shown.id, to: CapturedOutput())
        }
        try await actions.remove(account: "acme", id: shown.id, to: CapturedOutput())
        let after = CapturedOutput()
        try await actions.list(account: "acme", json: false, to: after)
        #expect(after.contents.hasPrefix("No webhooks."))

        let audit = try await store.auditLog(forAccountNamed: AccountName("acme"))
        #expect(audit.map(\.action).suffix(2) == [.webhookAdded, .webhookRemoved])
        #expect(audit.suffix(2).allSatisfy { $0.actor == .cli && $0.detail == "https://crm.example.com/engel" })
    }

    @Test(
        "add takes only http and https URLs with a host",
        arguments: ["ftp://example.com/x", "example.com/hook", "http://", "https:///path", ""])
    func invalidURLs(url: String) {
        #expect(throws: InvalidWebhookURL.self) { try WebhookAdministration.validatedURL(url) }
        #expect(throws: (any Error).self) { try EngelCommand.parseAsRoot(["webhook", "add", "acme", url]) }
    }

    @Test("test posts one signed delivery with no changes and reports the answer; any other answer exits 1")
    func testDelivery() async throws {
        let store: any EngelStore = MemoryStore()
        _ = try await AccountAdministration(store: store).create(named: "acme")
        let actions = WebhookActions { store }
        let received = Mutex<[(HTTPFields, String)]>([])
        let status = Mutex(200)
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            received.withLock { $0.append((request.headers, String(buffer: body))) }
            return Response(status: .init(code: status.withLock { $0 }))
        }
        try await LiveServer.with(.standIn(router)) { server in
            let added = try await WebhookAdministration(store: store).add(
                account: "acme", url: server.baseURL + "/hook")
            let id = added.webhook.id
            let output = CapturedOutput()
            try await actions.test(account: "acme", id: id, timeout: .seconds(5), to: output)
            #expect(output.contents.hasPrefix("Webhook \(id) answered 200 in "))
            let (headers, body) = try #require(received.withLock { $0.first })
            #expect(body == #"{"account":"acme","webhook":\#(id),"changes":[]}"#)
            let timestamp = try #require(headers[HTTPField.Name("Engel-Timestamp")!].flatMap { Int64($0) })
            #expect(
                headers[HTTPField.Name("Engel-Signature")!]
                    == WebhookSignature.header(
                        secret: added.webhook.secret, timestamp: timestamp, body: Array(body.utf8)))
            #expect(try await store.webhooks().first?.deliveredThrough == added.webhook.deliveredThrough)

            status.withLock { $0 = 500 }
            let failed = CapturedOutput()
            await #expect(throws: ExitCode.failure) {
                try await actions.test(account: "acme", id: id, timeout: .seconds(5), to: failed)
            }
            #expect(failed.contents.hasPrefix("Webhook \(id) failed: answered 500"))
        }
    }

    @Test("every webhook command and argument has help")
    func help() {
        let commands: [any ParsableCommand.Type] = [
            WebhookCommand.Add.self, WebhookCommand.List.self, WebhookCommand.Remove.self, WebhookCommand.Test.self,
        ]
        let overview = WebhookCommand.helpMessage(columns: 200)
        for command in commands {
            #expect(overview.contains(command.configuration.abstract))
            let help = command.helpMessage(columns: 200)
            #expect(!help.contains("<account>\n") && !help.contains("<id>\n") && !help.contains("<url>\n"))
        }
    }
}
