import AsyncHTTPClient
import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Lifecycle")
struct LifecycleTests {
    @Test("/healthz answers 200 over a real socket while the SQLite store is reachable")
    func health() async throws {
        let store = try await SQLiteStore.open(path: temporaryDatabasePath())
        let harness = try await Harness.make(store: store)
        try await harness.withClient(.live) { client in
            let answer = try await client.post("/healthz", "", method: .get)
            #expect(answer.status == 200)
            #expect(answer.code == 200)
            #expect(try await client.add(harness, "905321234567").status == 200)
        }
        await store.close()
    }

    @Test("graceful shutdown lets an in-flight add finish, then closes the store")
    func gracefulShutdown() async throws {
        let path = temporaryDatabasePath()
        let sqlite = try await SQLiteStore.open(path: path)
        let gate = SlowAddStore(wrapping: sqlite)
        let harness = try await Harness.make(store: gate)
        let port = Mutex<Int?>(nil)
        let app = buildApplication(
            store: gate,
            configuration: ServerConfiguration(port: 0, database: .sqlite(path: path)),
            services: [StoreLifecycleService(store: gate)],
            logger: Logger(label: "test")
        ) { bound in port.withLock { $0 = bound } }
        let group = ServiceGroup(services: [app], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
            let url = "http://127.0.0.1:\(port.withLock { $0 } ?? 0)/v1/add-blacklist/json"
            async let answer = rawPost(url, harness.body(blacklist: #"{"number":"905321234567"}"#))
            await gate.waitUntilAddStarted()
            await group.triggerGracefulShutdown()
            let (status, body) = try await answer
            #expect(status == 200)
            #expect(body == statusBody(200, "İşlem başarılı"))
            try await tasks.waitForAll()
        }
        // The store was closed after the server stopped; the add it acknowledged is on disk.
        await #expect(throws: StoreError.closed) { try await sqlite.checkHealthAfterClose() }
        let reopened = try await SQLiteStore.open(path: path)
        let account = try #require(try await reopened.account(named: AccountName("acme")))
        #expect(try await reopened.contains(PhoneNumberParser().parse("905321234567"), for: account.id))
        await reopened.close()
    }
}

@Suite("Graceful shutdown under load")
struct ShutdownUnderLoadTests {
    @Test("in-flight requests finish with their real answers, new connections are refused, nothing is lost")
    func underLoad() async throws {
        let path = temporaryDatabasePath()
        let sqlite = try await SQLiteStore.open(path: path)
        let slow = SlowAddStore(wrapping: sqlite, delay: .milliseconds(500))
        let harness = try await Harness.make(store: slow)
        let configuration = ServerConfiguration(database: .sqlite(path: path), shutdownGrace: .seconds(10))
        let numbers = (0..<40).map { "90532\(String(format: "%07d", $0))" }
        let answers = try await EngelServerRun.with(
            store: slow, configuration: configuration, services: [StoreLifecycleService(store: slow)]
        ) { server in
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for number in numbers {
                    group.addTask {
                        try await rawPost(
                            server.baseURL + "/v1/add-blacklist/json",
                            harness.body(blacklist: #"{"number":"\#(number)"}"#))
                    }
                }
                while slow.addsStarted < numbers.count { try await Task.sleep(for: .milliseconds(5)) }
                let started = ContinuousClock.now
                await server.group.triggerGracefulShutdown()
                // The listening socket closes at once, though answers are still being written.
                var refused = false
                while !refused, ContinuousClock.now - started < .seconds(2) {
                    do {
                        let late = try await RawConnection.open(port: server.port)
                        await late.close()
                        try await Task.sleep(for: .milliseconds(10))
                    } catch {
                        refused = true
                    }
                }
                #expect(refused)
                #expect(ContinuousClock.now - started < .milliseconds(500), "refused only after the adds finished")
                var answers: [(Int, String)] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
        }
        #expect(answers.count == numbers.count)
        #expect(answers.allSatisfy { $0.0 == 200 && $0.1 == statusBody(200, "İşlem başarılı") })
        // Every acknowledged add is on disk.
        let reopened = try await SQLiteStore.open(path: path)
        let account = try #require(try await reopened.account(named: AccountName("acme")))
        #expect(
            try await reopened.page(for: account.id, filter: .none, page: PageRequest(page: 1, rowCount: 100)).count
                == 40)
        await reopened.close()
    }

    @Test("a request still running when the grace period ends is cancelled, and the server exits")
    func graceExpires() async throws {
        let slow = SlowAddStore(wrapping: MemoryStore(), delay: .seconds(60))
        let harness = try await Harness.make(store: slow)
        let configuration = ServerConfiguration(shutdownGrace: .milliseconds(500))
        let started = ContinuousClock.now
        let (stopped, answer): (Duration, Int?) = try await EngelServerRun.with(
            store: slow, configuration: configuration
        ) {
            server in
            let request = Task {
                try? await rawPost(
                    server.baseURL + "/v1/add-blacklist/json", harness.body(blacklist: #"{"number":"905321234567"}"#))
            }
            await slow.waitUntilAddStarted()
            let shutdown = ContinuousClock.now
            await server.group.triggerGracefulShutdown()
            let answer = await request.value
            return (ContinuousClock.now - shutdown, answer?.0)
        }
        // The hung add was cancelled at the end of the grace period, not after its 60 seconds.
        #expect(stopped < .seconds(3), "took \(stopped)")
        #expect(ContinuousClock.now - started < .seconds(10))
        // Cancelled work answers 503 if the connection still stands; either way no false 200.
        #expect(answer != 200)
        // The connection closed, so the add's task was cancelled rather than left running.
        let deadline = ContinuousClock.now + .seconds(2)
        while slow.addsCancelled == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(slow.addsCancelled == 1)
    }
}

extension SQLiteStore {
    /// A write that must fail with `StoreError.closed` once the store is closed.
    func checkHealthAfterClose() async throws {
        _ = try await add(PhoneNumberParser().parse("905321234567"), for: 0, at: Date())
    }
}

/// POSTs `body` to `url` over a real connection; returns the status and body.
func rawPost(_ url: String, _ body: String) async throws -> (Int, String) {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: bytes))
}
