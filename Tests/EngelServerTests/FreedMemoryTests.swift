import CEngelAllocator
import Testing

@testable import EngelServer

@Suite("Freed memory")
struct FreedMemoryTests {
    @Test("glibc takes the setting that keeps freed memory for reuse")
    func allocatorTakesTheSetting() {
        #expect(engel_keep_freed_memory(FreedMemory.keptPerArena) == 1)
    }
}
