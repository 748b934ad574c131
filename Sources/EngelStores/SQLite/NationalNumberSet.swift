/// A set of national numbers (`5XXXXXXXXX`) in 4 bytes a slot: each is stored as its distance
/// from 5,000,000,000, which is below 2^30, in an open-addressed table with linear probing.
///
/// A `[Int64: Key]` dictionary answered the same question for a mirrored list at 24 bytes a slot
/// (about 400 MB for 10,000,000 numbers); this takes 64 MiB for them (2^24 slots, 60% full).
/// Removal shifts the probe run back instead of leaving tombstones, so a list that churns keeps
/// its lookups as short as a freshly loaded one.
struct NationalNumberSet: Sendable {
    /// The smallest number held: every national number is ten digits starting with 5.
    static let lowest: Int64 = 5_000_000_000
    /// The largest number held.
    static let highest: Int64 = 5_999_999_999

    /// Marks a free slot; no number's offset comes near it.
    private static let free = UInt32.max
    private static let minimumSlots = 16

    private var slots: [UInt32]
    /// `slots.count - 1`; the count is a power of two.
    private var mask: Int
    /// How many bits of the hash pick a slot.
    private var shift: UInt64

    /// How many numbers the set holds.
    private(set) var count = 0

    /// An empty set with room for `capacity` numbers before it grows.
    init(capacity: Int = 0) {
        var slotCount = Self.minimumSlots
        while slotCount * 3 / 4 < capacity { slotCount *= 2 }
        slots = Array(repeating: Self.free, count: slotCount)
        mask = slotCount - 1
        shift = UInt64(64 - slotCount.trailingZeroBitCount)
    }

    /// Bytes the table takes, for the record of what a list costs.
    var bytes: Int { slots.count * MemoryLayout<UInt32>.stride }

    /// Whether `national` is in the set.
    func contains(_ national: Int64) -> Bool {
        guard let offset = Self.offset(of: national) else { return false }
        var slot = home(of: offset)
        while true {
            let held = slots[slot]
            if held == offset { return true }
            if held == Self.free { return false }
            slot = (slot + 1) & mask
        }
    }

    /// Adds `national`, which must be a national number; returns whether it was absent.
    @discardableResult
    mutating func insert(_ national: Int64) -> Bool {
        guard let offset = Self.offset(of: national) else {
            preconditionFailure("\(national) is not a ten-digit number starting with 5")
        }
        if (count + 1) * 4 > slots.count * 3 { grow() }
        var slot = home(of: offset)
        while true {
            let held = slots[slot]
            if held == offset { return false }
            if held == Self.free { break }
            slot = (slot + 1) & mask
        }
        slots[slot] = offset
        count += 1
        return true
    }

    /// Removes `national`; returns whether it was there.
    @discardableResult
    mutating func remove(_ national: Int64) -> Bool {
        guard let offset = Self.offset(of: national) else { return false }
        var slot = home(of: offset)
        while slots[slot] != offset {
            if slots[slot] == Self.free { return false }
            slot = (slot + 1) & mask
        }
        // Pulls back each later member of the run that the freed slot would otherwise hide from
        // its own home, so a lookup can still stop at the first free slot.
        var hole = slot
        var next = (hole + 1) & mask
        while slots[next] != Self.free {
            let home = home(of: slots[next])
            // Whether `home` lies cyclically outside (hole, next]: then the member may move back.
            let movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next)
            if movable {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = Self.free
        count -= 1
        return true
    }

    /// The stored form of `national`; `nil` outside the ten-digit numbers starting with 5.
    static func offset(of national: Int64) -> UInt32? {
        guard (lowest...highest).contains(national) else { return nil }
        return UInt32(national - lowest)
    }

    /// Fibonacci hashing: neighbouring numbers, as bulk loads and the bench give, land far apart.
    private func home(of offset: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(offset) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    private mutating func grow() {
        let old = slots
        let held = count
        self = NationalNumberSet(capacity: old.count)
        for offset in old where offset != Self.free {
            var slot = home(of: offset)
            while slots[slot] != Self.free { slot = (slot + 1) & mask }
            slots[slot] = offset
        }
        count = held
    }
}
