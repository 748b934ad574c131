import EngelCore
import EngelStores
import EngelTestSupport
import Foundation
import Synchronization
import Testing

/// Provenance, the change log, expiry, the audit log and the webhook cursors: the same behaviour
/// on every store (DESIGN.md, "Beyond the three methods"; the memory store is the reference).
@Suite("Change log contract")
struct ChangeLogContractTests: NumberedEntries {
    func at(_ seconds: Int) -> Date { base.addingTimeInterval(TimeInterval(seconds)) }

    /// Every record of `account`'s log, in order.
    func log(_ store: any EngelStore, _ account: Account) async throws -> [ChangeRecord] {
        var records: [ChangeRecord] = []
        var after: Int64 = 0
        while true {
            let stretch = try await store.changes(for: account.id, after: after, limit: 1000)
            records += stretch.changes
            guard !stretch.changes.isEmpty else { return records }
            after = stretch.next
        }
    }

    /// Every entry of `account`'s list, in order.
    func allEntries(_ store: any EngelStore, _ account: Account) async throws -> [ListEntry] {
        var entries: [ListEntry] = []
        var page = 1
        while true {
            let found = try await store.entries(
                for: account.id, filter: .none, page: PageRequest(page: page, rowCount: 1000))
            entries += found.entries
            guard found.entries.count == 1000 else { return entries }
            page += 1
        }
    }

    @Test("an add records where it came from, who made it, why and until when", arguments: StoreFactory.all)
    func provenance(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let timed = Provenance(source: .api, actor: .api, reason: "şikayet: \"STOP\"", until: at(3600))
            #expect(try await store.add(try number(1), for: account.id, at: at(1), provenance: timed) == .added)
            let forever = Provenance(source: .panel, actor: .panel(user: "ayşe"), reason: nil, until: nil)
            #expect(try await store.add(try number(2), for: account.id, at: at(2), provenance: forever) == .added)
            _ = try await store.addBatch(
                [try number(3)], for: account.id, at: at(3),
                provenance: Provenance(source: .bulk, actor: .api, reason: "kampanya"))
            _ = try await store.addAll([try number(4)], for: account.id, at: at(4))

            let page = try await store.entries(for: account.id, filter: .none, page: .first)
            #expect(page.count == 4)
            #expect(page.entries.map(\.number) == [try number(1), try number(2), try number(3), try number(4)])
            let first = try #require(page.entries.first)
            #expect(first.addedAt == at(1))
            #expect(first.source == .api)
            #expect(first.actor == .api)
            #expect(first.reason == "şikayet: \"STOP\"")
            #expect(first.until == at(3600))
            #expect(page.entries[1].actor == .panel(user: "ayşe"))
            #expect(page.entries[1].until == nil && page.entries[1].reason == nil)
            #expect(page.entries[2].source == .bulk && page.entries[2].reason == "kampanya")
            #expect(page.entries[3].source == .load && page.entries[3].actor == .cli)

            let checked = try await store.listedEntries(
                [try number(2), try number(9), try number(1)], for: account.id, at: at(10))
            #expect(checked.map { $0?.number } == [try number(2), nil, try number(1)])
            #expect(checked[2] == first)
        }
    }

    @Test("every change is logged once, in order; an idempotent re-add is not", arguments: StoreFactory.all)
    func changeRecords(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let one = try number(1)
            let thirtyDays = Provenance(source: .api, actor: .api, reason: "30 gün", until: at(30 * 86_400))
            #expect(try await store.add(one, for: account.id, at: at(1), provenance: thirtyDays) == .added)
            // The same end again, and an earlier one: nothing moves, nothing is logged.
            #expect(try await store.add(one, for: account.id, at: at(2), provenance: thirtyDays) == .alreadyListed)
            var shorter = thirtyDays
            shorter.until = at(86_400)
            #expect(try await store.add(one, for: account.id, at: at(3), provenance: shorter) == .alreadyListed)
            // A later end moves the block; no end at all makes it forever.
            var longer = thirtyDays
            longer.until = at(60 * 86_400)
            longer.reason = "uzatıldı"
            #expect(try await store.add(one, for: account.id, at: at(4), provenance: longer) == .alreadyListed)
            #expect(try await store.add(one, for: account.id, at: at(5), provenance: .api) == .alreadyListed)
            #expect(try await store.add(one, for: account.id, at: at(6), provenance: thirtyDays) == .alreadyListed)
            let removal = Provenance(source: .api, actor: .api, reason: "müşteri isteği")
            #expect(try await store.remove(one, for: account.id, at: at(7), provenance: removal))
            #expect(try await !store.remove(one, for: account.id, at: at(8), provenance: removal))

            let records = try await log(store, account)
            #expect(records.map(\.action) == [.add, .add, .add, .remove])
            #expect(records.map(\.at) == [at(1), at(4), at(5), at(7)])
            #expect(records.map(\.until) == [at(30 * 86_400), at(60 * 86_400), nil, nil])
            #expect(records.map(\.reason) == ["30 gün", "uzatıldı", nil, "müşteri isteği"])
            #expect(records.allSatisfy { $0.number == one && $0.source == .api && $0.actor == .api })
            #expect(zip(records, records.dropFirst()).allSatisfy { $0.seq < $1.seq })

            // The entry kept its first added-at time and took the moved end and the new reason.
            #expect(try await store.add(one, for: account.id, at: at(9), provenance: thirtyDays) == .added)
            let entry = try #require(try await store.listedEntries([one], for: account.id, at: at(10)).first ?? nil)
            #expect(entry.addedAt == at(9))
            _ = try await store.add(one, for: account.id, at: at(11), provenance: longer)
            let moved = try #require(try await store.listedEntries([one], for: account.id, at: at(12)).first ?? nil)
            #expect(moved.addedAt == at(9) && moved.until == at(60 * 86_400) && moved.reason == "uzatıldı")
        }
    }

    @Test("the feed pages by after and limit; next and oldest say where it stands", arguments: StoreFactory.all)
    func feedPaging(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let empty = try await store.changes(for: account.id, after: 0, limit: 100)
            #expect(empty.changes.isEmpty && empty.next == 0 && empty.oldest == 0)
            for index in 0..<7 {
                _ = try await store.add(try number(index), for: account.id, at: at(index), provenance: .api)
            }
            let first = try await store.changes(for: account.id, after: 0, limit: 3)
            #expect(first.changes.map(\.number) == [try number(0), try number(1), try number(2)])
            #expect(first.next == first.changes.last?.seq)
            #expect(first.oldest == first.changes.first?.seq)
            let rest = try await store.changes(for: account.id, after: first.next, limit: 100)
            #expect(rest.changes.count == 4)
            let end = try await store.changes(for: account.id, after: rest.next, limit: 100)
            #expect(end.changes.isEmpty && end.next == rest.next && end.oldest == first.oldest)

            // Another account's changes are not in this feed.
            let other = try await store.createAccount(
                name: AccountName("other"), apiKey: "other-key", hashDigest: HashDigest(of: "h"), createdAt: base)
            _ = try await store.add(try number(0), for: other.id, at: at(20), provenance: .api)
            #expect(try await store.changes(for: account.id, after: rest.next, limit: 100).changes.isEmpty)
            #expect(try await store.changes(for: other.id, after: 0, limit: 100).changes.count == 1)
        }
    }

    @Test(
        "an entry leaves the list at its until: checks are exact, the expiry is logged once",
        arguments: StoreFactory.all)
    func expiry(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let timed = Provenance(source: .api, actor: .api, reason: "geçici", until: at(60))
            _ = try await store.add(try number(1), for: account.id, at: at(0), provenance: timed)
            _ = try await store.add(try number(2), for: account.id, at: at(1), provenance: .api)
            #expect(
                try await store.listed([try number(1), try number(2)], for: account.id, at: at(59)) == [true, true])
            #expect(
                try await store.listed([try number(1), try number(2)], for: account.id, at: at(60)) == [false, true])
            #expect(try await !store.contains(try number(1), for: account.id, at: at(61)))
            #expect(try await store.listedEntries([try number(1)], for: account.id, at: at(60)) == [nil])

            #expect(try await store.expire(through: at(59)) == 0)
            #expect(try await store.expire(through: at(90)) == 1)
            #expect(try await store.expire(through: at(120)) == 0)
            let page = try await store.page(for: account.id, filter: .none, page: .first)
            #expect(page.numbers == [try number(2)] && page.count == 1)
            let expired = try #require(try await log(store, account).last)
            #expect(try expired.action == .remove && expired.number == number(1))
            #expect(expired.at == at(60) && expired.source == .expiry && expired.actor == .system)
            #expect(expired.reason == nil && expired.until == nil)
        }
    }

    @Test("an add or remove meeting an ended block first records its expiry", arguments: StoreFactory.all)
    func endedBlockMet(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let timed = Provenance(source: .api, actor: .api, until: at(60))
            _ = try await store.add(try number(1), for: account.id, at: at(0), provenance: timed)
            _ = try await store.add(try number(2), for: account.id, at: at(0), provenance: timed)
            // Not swept yet: the add lists the number anew, the remove finds nothing to remove.
            #expect(try await store.add(try number(1), for: account.id, at: at(100), provenance: .api) == .added)
            #expect(try await !store.remove(try number(2), for: account.id, at: at(100), provenance: .api))
            #expect(try await store.addBatch([try number(1)], for: account.id, at: at(101)) == [false])

            let records = try await log(store, account)
            #expect(records.map(\.action) == [.add, .add, .remove, .add, .remove])
            #expect(records.map(\.source) == [.api, .api, .expiry, .api, .expiry])
            #expect(records.map(\.at) == [at(0), at(0), at(60), at(100), at(60)])
            let entry = try #require(try await store.listedEntries([try number(1)], for: account.id, at: at(200))[0])
            #expect(entry.addedAt == at(100) && entry.until == nil)
            #expect(try await store.expire(through: at(1000)) == 0)
        }
    }

    @Test(
        "removes sent together record each their own provenance; of two removes of a number one removes it",
        arguments: StoreFactory.all)
    func removesTogether(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            for index in 1...40 {
                let until = index == 40 ? at(60) : nil
                _ = try await store.add(
                    try number(index), for: account.id, at: at(0),
                    provenance: Provenance(source: .api, actor: .api, until: until))
            }
            // 1 to 40 (40's block ended at 60 s), 1 and 2 twice, and 41, never listed: the writer
            // takes whatever is queued together, so most of these share a write group.
            let removals = Array(1...41) + [1, 2]
            let answers = try await withThrowingTaskGroup(of: (Int, Int, Bool).self) { group in
                for (position, index) in removals.enumerated() {
                    let provenance = Provenance(
                        source: .api, actor: index.isMultiple(of: 2) ? .panel(user: "ayşe") : .api,
                        reason: index.isMultiple(of: 3) ? "\"STOP\" \\ şikayet \(index)" : nil)
                    group.addTask {
                        let removed = try await store.remove(
                            try number(index), for: account.id, at: at(100 + position), provenance: provenance)
                        return (position, index, removed)
                    }
                }
                return try await group.reduce(into: [(Int, Int, Bool)]()) { $0.append($1) }
            }
            for index in 1...41 {
                let removed = answers.filter { $0.1 == index }.map(\.2)
                #expect(
                    removed.count(where: { $0 }) == ((1...39).contains(index) ? 1 : 0), "number \(index): \(removed)")
            }
            let records = try await log(store, account).filter { $0.action == .remove }
            #expect(records.count == 40)
            #expect(Set(records.map(\.number)) == Set(try (1...40).map(number)))
            for record in records {
                let index = try #require((1...40).first { try number($0) == record.number })
                if index == 40 {
                    #expect(record.source == .expiry && record.actor == .system && record.at == at(60))
                    #expect(record.reason == nil)
                    continue
                }
                // The removal that removed it: the one that answered true.
                let position = try #require(answers.first { $0.1 == index && $0.2 }?.0)
                #expect(record.at == at(100 + position), "number \(index)")
                #expect(record.source == .api)
                #expect(record.actor == (index.isMultiple(of: 2) ? .panel(user: "ayşe") : .api))
                #expect(record.reason == (index.isMultiple(of: 3) ? "\"STOP\" \\ şikayet \(index)" : nil))
                #expect(record.until == nil)
            }
            #expect(try await allEntries(store, account).isEmpty)
        }
    }

    @Test("batches log each number they change, with the batch's provenance", arguments: StoreFactory.all)
    func batches(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            _ = try await store.add(try number(1), for: account.id, at: at(0), provenance: .api)
            let timed = Provenance(source: .api, actor: .api, until: at(1000))
            _ = try await store.add(try number(2), for: account.id, at: at(0), provenance: timed)
            let bulk = Provenance(source: .bulk, actor: .api, reason: "liste", until: at(5000))
            // 1 is listed forever (unchanged), 2's end moves (logged, still "already listed"), 3 is new.
            let added = try await store.addBatch(
                [try number(1), try number(2), try number(3)], for: account.id, at: at(10), provenance: bulk)
            #expect(added == [false, false, true])
            let removal = Provenance(source: .bulk, actor: .api, reason: "temizlik")
            let removed = try await store.removeBatch(
                [try number(3), try number(4), try number(1)], for: account.id, at: at(20), provenance: removal)
            #expect(removed == [true, false, true])

            let records = try await log(store, account).dropFirst(2)
            #expect(records.map(\.action) == [.add, .add, .remove, .remove])
            #expect(records.map(\.number) == [try number(2), try number(3), try number(3), try number(1)])
            #expect(records.map(\.until) == [at(5000), at(5000), nil, nil])
            #expect(records.map(\.reason) == ["liste", "liste", "temizlik", "temizlik"])
            #expect(records.allSatisfy { $0.source == .bulk })
        }
    }

    @Test("an entries page carries the feed position it was read at", arguments: StoreFactory.all)
    func entriesPosition(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            for index in 0..<5 {
                _ = try await store.add(try number(index), for: account.id, at: at(index), provenance: .api)
            }
            let snapshot = try await store.entries(for: account.id, filter: .none, page: .first)
            #expect(snapshot.seq == (try await log(store, account).last?.seq))
            _ = try await store.remove(try number(0), for: account.id, at: at(10), provenance: .api)
            _ = try await store.add(try number(9), for: account.id, at: at(11), provenance: .api)
            let after = try await store.changes(for: account.id, after: snapshot.seq, limit: 100)
            #expect(after.changes.map(\.action) == [.remove, .add])
            #expect(after.changes.map(\.number) == [try number(0), try number(9)])
        }
    }

    @Test("retention drops old records and oldest says so", arguments: StoreFactory.all)
    func retention(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            for index in 0..<6 {
                _ = try await store.add(try number(index), for: account.id, at: at(index * 100), provenance: .api)
            }
            let before = try await log(store, account)
            #expect(try await store.pruneChanges(before: at(250)) == 3)
            let after = try await store.changes(for: account.id, after: 0, limit: 100)
            #expect(after.changes == Array(before.dropFirst(3)))
            #expect(after.oldest == before[3].seq)
            // The list itself is untouched.
            #expect(try await store.page(for: account.id, filter: .none, page: .first).count == 6)
        }
    }

    @Test(
        "erasing a number's history keeps its entry, drops its records and reason, audits without it",
        arguments: StoreFactory.all)
    func erasure(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let subject = try number(4242)
            let reasoned = Provenance(source: .api, actor: .api, reason: "Ali Veli istedi")
            _ = try await store.add(subject, for: account.id, at: at(0), provenance: reasoned)
            _ = try await store.remove(subject, for: account.id, at: at(1), provenance: reasoned)
            _ = try await store.add(subject, for: account.id, at: at(2), provenance: reasoned)
            _ = try await store.add(try number(7), for: account.id, at: at(3), provenance: reasoned)

            let erased = try await store.eraseHistory(
                of: subject, for: account.id, audit: AuditContext(at: at(10), actor: .cli))
            #expect(erased == 3)
            #expect(try await log(store, account).map(\.number) == [try number(7)])
            let entry = try #require(try await store.listedEntries([subject], for: account.id, at: at(11))[0])
            #expect(entry.reason == nil && entry.addedAt == at(2))
            let audit = try #require(try await store.auditLog(forAccountNamed: account.name).last)
            #expect(audit.action == .historyErased && audit.actor == .cli && audit.at == at(10))
            #expect(audit.detail?.contains("4242") != true)
            #expect(audit.detail?.contains("3") == true)
        }
    }

    @Test(
        "account changes are audited; a deleted account leaves its audit records and nothing else",
        arguments: StoreFactory.all)
    func audit(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let name = account.name
            let panel = AuditContext(at: at(5), actor: .panel(user: "admin"))
            #expect(
                try await store.setAPIAccess(false, forAccountNamed: name, audit: AuditContext(at: at(1), actor: .cli)))
            #expect(
                try await store.setAPIAccess(true, forAccountNamed: name, audit: AuditContext(at: at(2), actor: .cli)))
            #expect(
                try await store.replaceHashDigest(
                    HashDigest(of: "new"), forAccountNamed: name, audit: AuditContext(at: at(3), actor: .cli)))
            #expect(try await store.recordAudit(.panelSignIn, forAccountNamed: name, detail: nil, audit: panel))
            #expect(
                try await !store.recordAudit(
                    .panelSignIn, forAccountNamed: AccountName("nobody"), detail: nil, audit: panel))
            _ = try await store.add(try number(1), for: account.id, at: at(6), provenance: .api)
            let webhook = try await store.addWebhook(
                for: account.id, url: "http://127.0.0.1:9/hook", secret: "whsec_" + String(repeating: "a", count: 32),
                audit: AuditContext(at: at(7), actor: .cli))
            #expect(try await store.deleteAccount(named: name, audit: AuditContext(at: at(8), actor: .cli)))

            let records = try await store.auditLog(forAccountNamed: name)
            #expect(
                records.map(\.action) == [
                    .created, .apiDisabled, .apiEnabled, .hashRotated, .panelSignIn, .webhookAdded, .deleted,
                ])
            #expect(records.map(\.at) == [base, at(1), at(2), at(3), at(5), at(7), at(8)])
            #expect(records[4].actor == .panel(user: "admin"))
            #expect(zip(records, records.dropFirst()).allSatisfy { $0.seq < $1.seq })
            #expect(!records.contains { ($0.detail ?? "").contains("5300000001") })

            #expect(try await store.changes(for: account.id, after: 0, limit: 100).changes.isEmpty)
            #expect(try await store.webhooks().isEmpty)
            #expect(try await !store.removeWebhook(id: webhook.id, audit: .cliNow))
            // A new account of the same name starts with an empty list and log.
            let again = try await store.createAccount(
                name: name, apiKey: "again", hashDigest: HashDigest(of: "h"), createdAt: at(9))
            #expect(try await store.page(for: again.id, filter: .none, page: .first).count == 0)
            #expect(try await store.changes(for: again.id, after: 0, limit: 100).changes.isEmpty)
        }
    }

    @Test(
        "a webhook's cursor starts at the feed's position, moves only forward, and one holder delivers it",
        arguments: StoreFactory.all)
    func webhookCursor(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            _ = try await store.add(try number(1), for: account.id, at: at(0), provenance: .api)
            let position = try #require(try await log(store, account).last?.seq)
            let secret = "whsec_" + String(repeating: "b", count: 32)
            let webhook = try await store.addWebhook(
                for: account.id, url: "http://127.0.0.1:9/hook", secret: secret, audit: .cliNow)
            #expect(webhook.deliveredThrough == position)
            #expect(webhook.url == "http://127.0.0.1:9/hook" && webhook.secret == secret)
            await #expect(throws: StoreError.accountMissing) {
                try await store.addWebhook(for: 987_654, url: "http://127.0.0.1:9/x", secret: secret, audit: .cliNow)
            }

            try await store.recordDelivery(webhook: webhook.id, through: position + 5)
            try await store.recordDelivery(webhook: webhook.id, through: position + 2)
            #expect(try await store.webhooks().map(\.deliveredThrough) == [position + 5])

            #expect(try await store.claimWebhook(id: webhook.id, holder: "a", now: at(0), lease: .seconds(30)))
            #expect(try await !store.claimWebhook(id: webhook.id, holder: "b", now: at(10), lease: .seconds(30)))
            #expect(try await store.claimWebhook(id: webhook.id, holder: "a", now: at(20), lease: .seconds(30)))
            #expect(try await !store.claimWebhook(id: webhook.id, holder: "b", now: at(49), lease: .seconds(30)))
            #expect(try await store.claimWebhook(id: webhook.id, holder: "b", now: at(51), lease: .seconds(30)))
            #expect(try await !store.claimWebhook(id: webhook.id, holder: "a", now: at(52), lease: .seconds(30)))

            #expect(try await store.removeWebhook(id: webhook.id, audit: .cliNow))
            #expect(try await store.webhooks().isEmpty)
            #expect(try await !store.claimWebhook(id: webhook.id, holder: "a", now: at(100), lease: .seconds(30)))
        }
    }

    @Test(
        "with concurrent writers, no record appears at or below an answered next, and replaying the log rebuilds the list",
        arguments: StoreFactory.all)
    func followingUnderConcurrentWrites(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let writersDone = Flag()
            let writing = Task {
                defer { writersDone.raise() }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<4 {
                        group.addTask {
                            var generator = SeededGenerator(seed: UInt64(writer + 1))
                            for step in 0..<150 {
                                try await randomWrite(store, account, at: at(step), using: &generator)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            var followed: [ChangeRecord] = []
            var next: Int64 = 0
            while true {
                // Whether the writers were done before this read: then an empty read is the end.
                let wasFinished = writersDone.isRaised
                let stretch = try await store.changes(for: account.id, after: next, limit: 37)
                for record in stretch.changes {
                    #expect(record.seq > next, "seq \(record.seq) appeared after next \(next) was answered")
                }
                followed += stretch.changes
                next = stretch.next
                if wasFinished && stretch.changes.isEmpty { break }
                if stretch.changes.isEmpty {
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            try await writing.value
            #expect(followed == (try await log(store, account)))
            var replayed = Set<PhoneNumber>()
            for record in followed {
                if record.action == .add { replayed.insert(record.number) } else { replayed.remove(record.number) }
            }
            let listed = Set(try await allEntries(store, account).map(\.number))
            #expect(replayed == listed)
        }
    }

    /// One of the writes the concurrent test makes, chosen by `generator`.
    func randomWrite(
        _ store: any EngelStore, _ account: Account, at date: Date, using generator: inout SeededGenerator
    ) async throws {
        let chosen = try number(Int.random(in: 0..<40, using: &generator))
        let bulk = Provenance(source: .bulk, actor: .api)
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: _ = try await store.remove(chosen, for: account.id, at: date, provenance: .api)
        case 1:
            var batch: Set<PhoneNumber> = [chosen]
            for _ in 0..<3 { batch.insert(try number(Int.random(in: 0..<40, using: &generator))) }
            _ = try await store.addBatch(Array(batch), for: account.id, at: date, provenance: bulk)
        case 2: _ = try await store.removeBatch([chosen], for: account.id, at: date, provenance: bulk)
        default: _ = try await store.add(chosen, for: account.id, at: date, provenance: .api)
        }
    }
}

/// A flag one task raises and another reads.
final class Flag: Sendable {
    private let raised = Atomic<Bool>(false)

    func raise() { raised.store(true, ordering: .releasing) }

    var isRaised: Bool { raised.load(ordering: .acquiring) }
}
