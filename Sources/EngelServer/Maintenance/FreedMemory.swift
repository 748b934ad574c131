import CEngelAllocator
import Foundation

/// What the C allocator does with memory the server frees.
enum FreedMemory {
    /// The most freed memory each of glibc's arenas keeps for reuse instead of returning it.
    static let keptPerArena: Int32 = 32 << 20

    /// Keeps up to ``keptPerArena`` freed at the top of each arena, unless the operator chose
    /// otherwise with `MALLOC_TRIM_THRESHOLD_`.
    ///
    /// glibc hands freed memory back from 128 KiB on, and the next allocations fault it in again.
    /// On SQLite adds of new numbers, giving back (madvise) and faulting in took 4.8% of the
    /// server's CPU; keeping it cut the CPU per add to 0.86x (Benchmarks/RESULTS.md, "session 17").
    /// It changes no peak: only memory already used once stays mapped.
    static func keepForReuse() {
        guard ProcessInfo.processInfo.environment["MALLOC_TRIM_THRESHOLD_"] == nil else { return }
        _ = engel_keep_freed_memory(keptPerArena)
    }
}
