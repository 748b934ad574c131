import EngelCore
import EngelServer
import Foundation
import Testing

@testable import EngelCLI

@Suite("The panel's CSV export reads back with engel import --detail")
struct PanelExportReadBackTests {
    @Test("the header's Turkey-time notes are not part of the column names; quoted reasons read back")
    func readBack() throws {
        let until = try #require(TurkeyTime.parse("2030-01-01 00:00:00"))
        let addedAt = try #require(TurkeyTime.parse("2026-11-30 14:02:13"))
        let entries = [
            ListEntry(
                number: try PhoneNumberParser().parse("5321234567"), addedAt: addedAt, source: .panel,
                reason: "replied \"STOP\", twice", until: until, actor: .panel(user: "ayşe")),
            ListEntry(
                number: try PhoneNumberParser().parse("5441234567"), addedAt: addedAt, source: .api, reason: nil,
                until: nil, actor: .api),
        ]
        let lines = try DetailFile.parse(PanelCSVExport.entries(entries))
        #expect(
            lines == [
                DetailLine(
                    line: 2, text: "+905321234567", reason: "replied \"STOP\", twice", until: "2030-01-01 00:00:00"),
                DetailLine(line: 3, text: "+905441234567", reason: nil, until: nil),
            ])
        #expect(DetailFile.columnName(" Until (Turkey time) ") == "until")
        #expect(DetailFile.columnName("reason") == "reason")
    }
}
