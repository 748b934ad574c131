import EngelCore

/// One account's list held in memory beside the database, so that pages, counts and lookups cost
/// microseconds instead of SQL statements.
///
/// Holding positions here let migration 3 drop the SQL position directory that triggers kept, which
/// made inserts about 7 times dearer (29 against 4 us per insert in batches of 64, commit b92163f);
/// pages cost the same at any depth (the last page of 1,000,000 at 0.89 to 1.25 times the first,
/// Benchmarks/RESULTS.md, "What the figures say").
///
/// Entries are kept in (added-at, sequence) order in chunks of at most ``chunkCapacity``: adding
/// or removing moves at most one chunk's entries, and finding a position walks the chunk sizes
/// (about 2,000 for a million entries) only after a change. Membership is a set of the numbers
/// alone (``NationalNumberSet``, 4 bytes a slot); a removal finds its entry by the key the
/// database hands back. About 31 bytes a number: 24 in chunks loaded full, 6.7 in the set. A
/// 10,000,000-number list keeps the server at 338 MiB resident (38 MiB of it the server's own),
/// where a `[number: key]` dictionary and chunks loaded 3/4 full took 660 MiB, and its 50,000
/// lookups take 2.5 ms (Benchmarks/RESULTS.md, session 8). A block's end adds a dictionary
/// entry for that number alone (``untils``): blocks without one, most of them, cost nothing more.
struct ListMirror: Sendable {
    /// Where an entry sits in the list's order: its added-at time, then its insertion sequence.
    struct Key: Sendable, Hashable, Comparable {
        var addedAt: Int64
        var sequence: Int64

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.addedAt, lhs.sequence) < (rhs.addedAt, rhs.sequence)
        }
    }

    struct Entry: Sendable, Hashable {
        var key: Key
        var national: Int64
    }

    /// The most entries a chunk holds before it splits in two.
    static let chunkCapacity = 512

    private var chunks: [[Entry]] = []
    private var listed = NationalNumberSet()
    /// The end of each block that has one (microseconds), by number: sparse, since most blocks
    /// last forever, so an end costs memory only where there is one. It makes checks exact at any
    /// time, and tells the writer which re-adds may move or meet an end.
    private(set) var untils: [Int64: Int64] = [:]
    /// Entries before each chunk; rebuilt on the first read after a change.
    private var entriesBefore: [Int] = []
    private var entriesBeforeIsCurrent = true

    /// How many entries the list holds.
    var count: Int { listed.count }

    /// An empty list.
    init() {}

    /// A list read as a load reads it, each number once: chunks fill to capacity, since most later
    /// adds come at the newest time and start chunks of their own, and the set of numbers is built
    /// once at the end at its final size. Adding each number to the set as its row came made a
    /// 10,000,000-number load take 15.8 s against 9.7 s this way (the set's random writes
    /// interleaved with the rows, and its growth); Benchmarks/RESULTS.md, session 8.
    ///
    /// The rows come in insertion order (migration 7 dropped the index that gave key order), which
    /// is key order but for a few: a request's time is taken before its write joins the queue, so
    /// writes racing each other can be listed a few microseconds out of order, and a time set by
    /// the caller or a clock stepping back can put any entry earlier. Those stragglers wait aside
    /// and are merged in once, at the end: a list in key order costs nothing more.
    struct Loader: Sendable {
        private var chunks: [[Entry]] = []
        /// Entries whose key is below one appended before them, in the order they came.
        private var stragglers: [Entry] = []
        private var count = 0

        /// Adds `entry`, in key order or not.
        mutating func append(_ entry: Entry) {
            count += 1
            let last = chunks.count - 1
            // Indices rather than a copy of the last chunk, which would make the append copy it.
            if last >= 0, let lastKey = chunks[last].last?.key, !(lastKey < entry.key) {
                stragglers.append(entry)
            } else if last >= 0, chunks[last].count < ListMirror.chunkCapacity {
                chunks[last].append(entry)
            } else {
                chunks.append(ListMirror.chunk(startingWith: entry))
            }
        }

        /// The list, with `untils` the ends of the blocks that have one; `nil` when a number came
        /// twice or an end belongs to no entry.
        consuming func finish(untils: [Int64: Int64] = [:]) -> ListMirror? {
            if !stragglers.isEmpty {
                stragglers.sort { $0.key < $1.key }
                chunks = Self.merge(chunks, stragglers)
                stragglers = []
            }
            var mirror = ListMirror()
            mirror.untils = untils
            mirror.listed = NationalNumberSet(capacity: count)
            for chunk in chunks {
                for entry in chunk where !mirror.listed.insert(entry.national) { return nil }
            }
            guard untils.keys.allSatisfy(mirror.listed.contains) else { return nil }
            mirror.chunks = chunks
            mirror.entriesBeforeIsCurrent = false
            return mirror
        }

        /// The entries of `chunks` and `stragglers`, each in key order, in full chunks in key
        /// order. Each chunk is let go once merged, so the list is held about once, not twice.
        private static func merge(_ chunks: consuming [[Entry]], _ stragglers: [Entry]) -> [[Entry]] {
            var merged: [[Entry]] = []
            merged.reserveCapacity(chunks.count + stragglers.count / ListMirror.chunkCapacity + 1)
            var current: [Entry] = []
            current.reserveCapacity(ListMirror.chunkCapacity)
            var next = stragglers.startIndex
            func emit(_ entry: Entry) {
                if current.count == ListMirror.chunkCapacity {
                    merged.append(current)
                    current = []
                    current.reserveCapacity(ListMirror.chunkCapacity)
                }
                current.append(entry)
            }
            for index in chunks.indices {
                let chunk = chunks[index]
                chunks[index] = []
                for entry in chunk {
                    while next < stragglers.endIndex, stragglers[next].key < entry.key {
                        emit(stragglers[next])
                        next += 1
                    }
                    emit(entry)
                }
            }
            for entry in stragglers[next...] { emit(entry) }
            if !current.isEmpty { merged.append(current) }
            return merged
        }
    }

    /// Whether `national` is listed, an ended block included (until ``remove(_:)`` takes it).
    func contains(_ national: Int64) -> Bool {
        listed.contains(national)
    }

    /// Whether `national` is listed at `micros`: its block has not ended by then.
    func contains(_ national: Int64, at micros: Int64) -> Bool {
        guard listed.contains(national) else { return false }
        return untils[national].map { $0 > micros } ?? true
    }

    /// Sets the end of `national`'s block (`nil`: forever); nothing when it is not listed.
    mutating func setUntil(_ until: Int64?, of national: Int64) {
        guard listed.contains(national) else { return }
        untils[national] = until
    }

    /// Lists `entry` at its key, its block ending at `until` (`nil`: forever); does nothing when
    /// its number is listed already (a change the mirror has seen, replayed).
    mutating func insert(_ entry: Entry, until: Int64? = nil) {
        guard listed.insert(entry.national) else { return }
        if let until { untils[entry.national] = until }
        entriesBeforeIsCurrent = false
        guard !chunks.isEmpty else {
            chunks.append(Self.chunk(startingWith: entry))
            return
        }
        // The last chunk whose first key is not above the new one; the first chunk otherwise.
        var chunkIndex = max(0, firstChunk { $0[0].key > entry.key } - 1)
        var position = Self.firstIndex(in: chunks[chunkIndex]) { $0.key > entry.key }
        if chunks[chunkIndex].count == Self.chunkCapacity {
            if chunkIndex == chunks.count - 1, position == Self.chunkCapacity {
                // An add at the newest time leaves the full chunk full rather than two half-empty.
                chunks.append(Self.chunk(startingWith: entry))
                return
            }
            let chunk = chunks[chunkIndex]
            let half = chunk.count / 2
            // New arrays, so neither half keeps the whole chunk's capacity.
            chunks[chunkIndex] = Array(chunk[..<half])
            chunks.insert(Array(chunk[half...]), at: chunkIndex + 1)
            if position > half {
                chunkIndex += 1
                position -= half
            }
        }
        chunks[chunkIndex].insert(entry, at: position)
    }

    /// Unlists `entry`, found by its key; returns whether its number was listed.
    @discardableResult
    mutating func remove(_ entry: Entry) -> Bool {
        guard listed.remove(entry.national) else { return false }
        untils[entry.national] = nil
        entriesBeforeIsCurrent = false
        var chunkIndex = max(0, firstChunk { $0[0].key > entry.key } - 1)
        var position = Self.firstIndex(in: chunks[chunkIndex]) { $0.key >= entry.key }
        if position == chunks[chunkIndex].count || chunks[chunkIndex][position].national != entry.national {
            // Listed at another key: another process changed the file and the periodic check has
            // not dropped this mirror yet. Rare enough for a walk of the whole list.
            guard let found = locate(entry.national) else {
                preconditionFailure("the mirror lists \(entry.national) but holds no entry for it")
            }
            (chunkIndex, position) = found
        }
        chunks[chunkIndex].remove(at: position)
        if chunks[chunkIndex].isEmpty {
            chunks.remove(at: chunkIndex)
        } else if chunkIndex + 1 < chunks.count,
            chunks[chunkIndex].count + chunks[chunkIndex + 1].count <= Self.chunkCapacity / 2
        {
            // Removals would otherwise leave many small chunks, and every position lookup walks them.
            chunks[chunkIndex].append(contentsOf: chunks[chunkIndex + 1])
            chunks.remove(at: chunkIndex + 1)
        }
        return true
    }

    private func locate(_ national: Int64) -> (chunk: Int, position: Int)? {
        for (chunkIndex, chunk) in chunks.enumerated() {
            if let position = chunk.firstIndex(where: { $0.national == national }) { return (chunkIndex, position) }
        }
        return nil
    }

    private static func chunk(startingWith entry: Entry) -> [Entry] {
        var chunk: [Entry] = []
        chunk.reserveCapacity(chunkCapacity)
        chunk.append(entry)
        return chunk
    }

    /// The numbers at positions `offset ..< offset + limit` among the entries added in
    /// `lower ..< upper` (microseconds; `nil` for no bound), and how many entries that range holds.
    mutating func page(lower: Int64?, upper: Int64?, offset: Int, limit: Int) -> (numbers: [Int64], count: Int) {
        refreshEntriesBefore()
        let low = lower.map { position(of: Key(addedAt: $0, sequence: .min)) } ?? 0
        let high = upper.map { position(of: Key(addedAt: $0, sequence: .min)) } ?? count
        guard low < high else { return ([], 0) }
        let first = low + min(offset, high - low)
        let wanted = min(limit, high - first)
        var numbers: [Int64] = []
        numbers.reserveCapacity(wanted)
        guard wanted > 0 else { return (numbers, high - low) }
        var chunkIndex = chunkHolding(position: first)
        var index = first - entriesBefore[chunkIndex]
        while numbers.count < wanted {
            let chunk = chunks[chunkIndex]
            let take = min(chunk.count - index, wanted - numbers.count)
            for entry in chunk[index..<(index + take)] { numbers.append(entry.national) }
            chunkIndex += 1
            index = 0
        }
        return (numbers, high - low)
    }

    /// Every entry in order (for tests).
    var entries: [Entry] { chunks.flatMap { $0 } }

    /// How many chunks hold the entries (for tests).
    var chunkCount: Int { chunks.count }

    // MARK: Positions

    private mutating func refreshEntriesBefore() {
        guard !entriesBeforeIsCurrent else { return }
        entriesBefore.removeAll(keepingCapacity: true)
        entriesBefore.reserveCapacity(chunks.count)
        var total = 0
        for chunk in chunks {
            entriesBefore.append(total)
            total += chunk.count
        }
        entriesBeforeIsCurrent = true
    }

    /// How many entries sort before `key`.
    private func position(of key: Key) -> Int {
        let after = firstChunk { $0[0].key >= key }
        guard after > 0 else { return 0 }
        let chunkIndex = after - 1
        return entriesBefore[chunkIndex] + Self.firstIndex(in: chunks[chunkIndex]) { $0.key >= key }
    }

    /// The chunk holding `position`, which must be below ``count``.
    private func chunkHolding(position: Int) -> Int {
        var low = 0
        var high = chunks.count
        // The last chunk whose entries-before is not above `position`.
        while high - low > 1 {
            let middle = (low + high) / 2
            if entriesBefore[middle] <= position { low = middle } else { high = middle }
        }
        return low
    }

    /// The index of the first chunk for which `isPast` holds, chunks being ordered so that it
    /// holds for a suffix; `chunks.count` when none.
    private func firstChunk(where isPast: ([Entry]) -> Bool) -> Int {
        Self.partitionPoint(count: chunks.count) { isPast(chunks[$0]) }
    }

    private static func firstIndex(in chunk: [Entry], where isPast: (Entry) -> Bool) -> Int {
        partitionPoint(count: chunk.count) { isPast(chunk[$0]) }
    }

    /// The first index in `0..<count` for which `isPast` holds, it holding for a suffix; `count`
    /// when none.
    private static func partitionPoint(count: Int, _ isPast: (Int) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if isPast(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
