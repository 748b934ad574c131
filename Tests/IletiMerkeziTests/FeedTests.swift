import EngelCore
import EngelTestSupport
import Foundation
import Synchronization
import Testing

@testable import IletiMerkezi

/// Provenance, entries and the change feed against a live Engel server over a memory store: one
/// server for the suite, an account per test.
@Suite("BlacklistClient provenance and change feed against a live Engel server", .sharedServer)
struct FeedTests {
    /// A whole second in the future, as the wire carries it.
    static func later(_ seconds: TimeInterval) -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + seconds).rounded(.down))
    }

    @Test("add and remove carry reason and until; entries and changes give them back typed")
    func oneNumber() async throws {
        let server = try TestServer.current
        let client = server.client(try await server.account())
        let until = Self.later(86_400)
        let before = Date().addingTimeInterval(-1)
        try await client.add("905321234567", reason: "replied STOP, \"urgent\"", until: until)
        try await client.add("5441234567")

        let page = try await client.entries()
        #expect(page.count == 2)
        #expect(page.page == 1 && !page.hasMore)
        let first = try #require(page.entries.first)
        #expect(first.number == "+905321234567")
        #expect(first.reason == "replied STOP, \"urgent\"")
        #expect(first.until == until)
        #expect(first.source == .api)
        #expect(first.actor == .api)
        #expect(first.addedAt >= before.addingTimeInterval(-1) && first.addedAt <= Date())
        #expect(page.entries[1].reason == nil && page.entries[1].until == nil)

        try await client.remove("905321234567", reason: "asked by phone")
        let stretch = try await client.changes(after: 0, limit: 10)
        #expect(stretch.changes.map(\.action) == [.add, .add, .remove])
        #expect(stretch.changes.map(\.number) == ["+905321234567", "+905441234567", "+905321234567"])
        #expect(stretch.changes[0].until == until)
        #expect(stretch.changes[2].reason == "asked by phone")
        #expect(stretch.changes[2].until == nil)
        #expect(stretch.changes.allSatisfy { $0.source == .api && $0.actor == .api })
        #expect(stretch.next == stretch.changes[2].seq)
        #expect(stretch.oldest == stretch.changes[0].seq)
        #expect(zip(stretch.changes, stretch.changes.dropFirst()).allSatisfy { $0.seq < $1.seq })
        // The page was read before the remove: its position is that of the second add.
        #expect(page.seq >= stretch.changes[1].seq && page.seq < stretch.changes[2].seq)

        let none = try await client.changes(after: stretch.next, limit: 10)
        #expect(none.changes.isEmpty && none.next == stretch.next)
    }

    @Test("an until that is not after now is refused as a bad request")
    func pastUntil() async throws {
        let server = try TestServer.current
        let client = server.client(try await server.account())
        await #expect(throws: IletiMerkeziError.self) {
            try await client.add("905321234567", until: Date().addingTimeInterval(-60))
        }
        do {
            try await client.add("905321234567", until: Date().addingTimeInterval(-60))
        } catch {
            #expect(error.kind == .badRequest)
        }
    }

    @Test("batch calls carry reason and until; check with detail gives the listed ones' entries")
    func batches() async throws {
        let server = try TestServer.current
        let client = server.client(try await server.account())
        let until = Self.later(3600)
        let outcomes = try await client.add(
            contentsOf: ["905321234567", "905441234567", "x"], reason: "campaign opt-out", until: until)
        #expect(outcomes == [.added, .added, .invalid])
        try await client.add("905301234567")

        let result = try await client.check(
            ["905441234567", "905551234567", "12", "+905321234567", "905301234567"], detail: true)
        #expect(result.listed == ["+905441234567", "+905321234567", "+905301234567"])
        #expect(result.entries.map(\.number) == result.listed)
        #expect(result.entries[0].reason == "campaign opt-out")
        #expect(result.entries[0].until == until)
        #expect(result.entries[0].source == .bulk)
        #expect(result.entries[2].source == .api && result.entries[2].reason == nil)
        let plain = try await client.check(["905441234567"])
        #expect(plain.entries.isEmpty && plain.listed == ["+905441234567"])

        _ = try await client.remove(contentsOf: ["905321234567", "905441234567"], reason: "consent given")
        let changes = try await client.changes(after: 0, limit: 100).changes
        #expect(changes.suffix(2).allSatisfy { $0.action == .remove && $0.reason == "consent given" })
        #expect(changes.suffix(2).allSatisfy { $0.source == .bulk })
    }

    @Test("entryPages walks every page; changes(after:) reads the feed in stretches and ends when caught up")
    func paging() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        let client = server.client(account)
        let numbers = (0..<25).map { "90532\(1_000_000 + $0)" }
        _ = try await client.add(contentsOf: numbers)
        var seen: [String] = []
        var pages = 0
        for try await page in client.entryPages(rowCount: 10) {
            pages += 1
            #expect(page.count == 25)
            seen += page.entries.map(\.number)
        }
        #expect(pages == 3)
        #expect(seen == numbers.map { "+" + $0 })

        var changes: [BlacklistClient.Change] = []
        for try await change in client.changes(after: 0, batchSize: 7) { changes.append(change) }
        #expect(changes.count == 25)
        #expect(changes.map(\.number) == numbers.map { "+" + $0 })
        let middle = changes[9].seq
        var rest = 0
        for try await change in client.changes(after: middle, batchSize: 1000) {
            #expect(change.seq > middle)
            rest += 1
        }
        #expect(rest == 15)
    }

    @Test("follow picks up a change made after it started, and ends promptly when cancelled")
    func follow() async throws {
        let server = try TestServer.current
        let client = server.client(try await server.account())
        try await client.add("905321234567")
        let start = try await client.changes(after: 0, limit: 10).next
        let received = Received()
        let follower = Task {
            for try await change in client.follow(after: start, pollInterval: .milliseconds(50)) {
                received.append(change.number)
            }
        }
        // Long enough for the follower to have caught up and be waiting.
        try await Task.sleep(for: .milliseconds(300))
        try await client.add("905441234567")
        try await client.remove("905321234567")
        let deadline = ContinuousClock.now + .seconds(10)
        while received.all.count < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(received.all == ["+905441234567", "+905321234567"])
        let cancelled = ContinuousClock.now
        follower.cancel()
        try await follower.value
        // Promptly; the margin is for a busy machine.
        #expect(ContinuousClock.now - cancelled < .seconds(5))

        // Mid-wait, with a poll interval far longer than the test: cancelling still ends it at once.
        let caughtUp = Received()
        let slow = Task {
            for try await change in client.follow(after: 0, pollInterval: .seconds(3600)) {
                caughtUp.append(change.number)
            }
        }
        let waitDeadline = ContinuousClock.now + .seconds(10)
        while caughtUp.all.count < 3, ContinuousClock.now < waitDeadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(caughtUp.all.count == 3)
        try await Task.sleep(for: .milliseconds(100))
        let waiting = ContinuousClock.now
        slow.cancel()
        try await slow.value
        // Far below the hour it would wait; the margin is for a busy machine.
        #expect(ContinuousClock.now - waiting < .seconds(10))
    }

    @Test("snapshot then changes: writes during the walk leave no gap and no repeat")
    func snapshotDuringWrites() async throws {
        let server = try TestServer.current
        let account = try await server.account()
        let client = server.client(account)
        let numbers = (0..<95).map { "90533\(1_000_000 + $0)" }
        try await server.load(numbers, into: account, at: Date().addingTimeInterval(-3600))

        var mirror: [String: BlacklistClient.Entry?] = [:]
        var entries: [String] = []
        var seqs: [Int64] = []
        var start: Int64?
        var wrote = false
        for try await event in client.snapshotThenChanges(rowCount: 10) {
            switch event {
            case .entry(let entry):
                #expect(start == nil, "an entry after the snapshot was complete")
                entries.append(entry.number)
                mirror[entry.number] = entry
                if !wrote {
                    // After the first page, before the second: removals on the first page shift
                    // later entries back over the page boundary, where a plain walk misses them.
                    wrote = true
                    _ = try await client.remove(contentsOf: Array(numbers[0..<6]), reason: "gone")
                    _ = try await client.add(contentsOf: ["905441000001", "905441000002"])
                    try await client.add(numbers[50], reason: "moved", until: Self.later(86_400))
                }
            case .snapshotComplete(let seq):
                start = seq
            case .change(let change):
                let position = try #require(start)
                #expect(change.seq > position)
                seqs.append(change.seq)
                switch change.action {
                case .add: mirror[change.number] = .some(nil)
                case .remove: mirror[change.number] = nil
                }
            }
        }
        #expect(start != nil)
        #expect(Set(entries).count == entries.count, "an entry given twice")
        #expect(zip(seqs, seqs.dropFirst()).allSatisfy { $0 < $1 }, "changes out of order or repeated")
        var actual: [String] = []
        for try await page in client.entryPages() { actual += page.entries.map(\.number) }
        #expect(Set(mirror.keys) == Set(actual))
        #expect(actual.count == 95 - 6 + 2)

        // Later changes come through the follow that goes on after the snapshot.
        let position = try #require(seqs.last)
        let follower = Task {
            for try await event in client.snapshotThenFollow(rowCount: 10, pollInterval: .milliseconds(50)) {
                if case .change(let change) = event, change.seq > position, change.number == "+905441000003" {
                    return true
                }
            }
            return false
        }
        try await Task.sleep(for: .milliseconds(300))
        try await client.add("905441000003")
        // A bound for a follower that never sees it; a busy full run once needed more than 10 s.
        let found = Task {
            try await Task.sleep(for: .seconds(30))
            follower.cancel()
        }
        #expect(try await follower.value)
        found.cancel()
    }

    @Test("snapshot then changes under a concurrent writer: the mirror ends equal to the list", arguments: 0..<3)
    func snapshotUnderConcurrentWrites(round: Int) async throws {
        let server = try TestServer.current
        let account = try await server.account()
        let client = server.client(account)
        let numbers = (0..<300).map { "90534\(1_000_000 + $0)" }
        try await server.load(Array(numbers[0..<200]), into: account, at: Date().addingTimeInterval(-3600))

        // Removes and adds at random, on early pages and late ones, while the walk goes on. It is
        // stopped by a flag, not by cancellation: a cancelled request may still be applied by the
        // server after the client gave up on it, and after the last read below.
        let stop = StopFlag()
        let writer = Task {
            var generator = SeededGenerator(seed: UInt64(round + 1))
            while !stop.isRaised {
                let number = numbers[Int.random(in: 0..<numbers.count, using: &generator)]
                if Bool.random(using: &generator) {
                    try? await client.remove(number)
                } else {
                    try? await client.add(number)
                }
            }
        }
        var mirror: Set<String> = []
        var last: Int64 = 0
        var seqs: [Int64] = []
        var entries = 0
        for try await event in client.snapshotThenChanges(rowCount: 7) {
            switch event {
            case .entry(let entry):
                #expect(mirror.insert(entry.number).inserted, "an entry given twice")
                entries += 1
            case .snapshotComplete(let seq): last = seq
            case .change(let change):
                #expect(change.seq > last, "a change repeated or out of order")
                last = change.seq
                seqs.append(change.seq)
                if change.action == .add { mirror.insert(change.number) } else { mirror.remove(change.number) }
            }
        }
        stop.raise()
        await writer.value
        for try await change in client.changes(after: last) {
            if change.action == .add { mirror.insert(change.number) } else { mirror.remove(change.number) }
        }
        var actual: Set<String> = []
        for try await page in client.entryPages() { actual.formUnion(page.entries.map(\.number)) }
        #expect(mirror == actual)
        #expect(entries > 0)
    }

    @Test("check with detail against a server without check-blacklist fails with unknownMethod")
    func detailWithoutTheMethod() async throws {
        let api = FakeLiveAPI()
        try await LiveServer.with(.standIn(api.router())) { server async throws in
            let client = BlacklistClient(
                configuration: .init(baseURL: server.baseURL, credentials: .init(key: "k", hash: "h"), retry: .none))
            for _ in 0..<2 {
                do throws(IletiMerkeziError) {
                    _ = try await client.check(["905321234567"], detail: true)
                    Issue.record("a detailed check without check-blacklist answered")
                } catch {
                    #expect(error.kind == .unknownMethod)
                }
            }
            let plain = try await client.check(["905321234567"])
            #expect(plain.memberships == [.notListed("+905321234567")])
        }
    }

    @Test("the snapshot's check: an entry neither seen nor changed makes it incomplete")
    func assembly() {
        typealias Entry = BlacklistClient.Entry
        func entry(_ number: String) -> Entry {
            Entry(number: number, addedAt: Date(), source: .api, reason: nil, until: nil, actor: .api)
        }
        func change(_ seq: Int64, _ action: BlacklistClient.Change.Action, _ number: String) -> BlacklistClient.Change {
            BlacklistClient.Change(
                seq: seq, at: Date(), action: action, number: number, source: .api, reason: nil, until: nil,
                actor: .api)
        }
        // A, B | C, D at position 10; A is removed at 11, so the second page, read at 11, starts at D.
        var assembly = SnapshotAssembly()
        let first = assembly.observe(.init(entries: [entry("A"), entry("B")], count: 4, seq: 10, page: 1, rowCount: 2))
        #expect(first.count == 2)
        let second = assembly.observe(.init(entries: [entry("D")], count: 3, seq: 11, page: 2, rowCount: 2))
        #expect(second.count == 1)
        #expect(assembly.needsChanges)
        assembly.append(.init(changes: [change(11, .remove, "A")], next: 11, oldest: 1))
        #expect(!assembly.needsChanges)
        #expect(!assembly.isComplete)
        // The second walk sees C; B and D again are not given again.
        let again = assembly.observe(
            .init(entries: [entry("B"), entry("C")], count: 3, seq: 11, page: 1, rowCount: 2))
        #expect(again.map(\.number) == ["C"])
        #expect(assembly.isComplete)
        #expect(assembly.start == 10)
        #expect(assembly.changesSinceStart.map(\.seq) == [11])
    }
}

/// What a following task received, read by the test.
final class Received: Sendable {
    private let numbers = Mutex<[String]>([])

    func append(_ number: String) { numbers.withLock { $0.append(number) } }

    var all: [String] { numbers.withLock { $0 } }
}

/// Tells a writer task to stop after the request it is making.
final class StopFlag: Sendable {
    private let raised = Atomic(false)

    func raise() { raised.store(true, ordering: .sequentiallyConsistent) }

    var isRaised: Bool { raised.load(ordering: .sequentiallyConsistent) }
}
