import EngelCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension PanelSite {
    /// How many rows each store call of an export reads: the store's largest page.
    static let exportRowsPerRead = PageRequest.maximumRowCount

    /// The export page and the two CSV files.
    func addExportRoutes(to router: Router<EngelRequestContext>) {
        router.get(RouterPath(PanelPath.export)) { request, context in
            let visit = self.visit(request, context)
            let signedIn = try await self.signedIn(visit)
            let account = try await self.workplace(visit, signedIn, writing: false)
            let count = try await self.store.entries(
                for: account.id, filter: DateFilter(start: nil, end: nil), page: try PageRequest(page: 1, rowCount: 1)
            ).count
            return self.page(
                .export(PanelExportPage(listCount: count)), visit,
                chrome: self.chrome(visit, signedIn, account: account.name))
        }
        router.get(RouterPath(PanelPath.exportList)) { request, context in
            try await self.exportList(self.visit(request, context))
        }
        router.get(RouterPath(PanelPath.exportChanges)) { request, context in
            try await self.exportChanges(self.visit(request, context))
        }
    }

    /// The list (filtered by `start` and `end`) as CSV, written as it is read, a store page at a
    /// time, so a list of millions never sits in memory whole. Pages are read one after another,
    /// not from one snapshot: an entry added or removed meanwhile may be missed or shown twice.
    private func exportList(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let account = try await workplace(visit, signedIn, writing: false)
        let filter: DateFilter
        do {
            filter = try DateFilter(startText: visit.query["start"], endText: visit.query["end"])
        } catch {
            return page(
                .export(PanelExportPage(listCount: 0)), visit,
                chrome: chrome(
                    visit, signedIn, account: account.name,
                    flashes: [.invalidDate((visit.query["start"] ?? "") + " " + (visit.query["end"] ?? ""))]),
                status: .badRequest)
        }
        // The first page is read before answering, so a failing store gets the error page, not a
        // cut-off file.
        let first = try await store.entries(
            for: account.id, filter: filter, page: try PageRequest(page: 1, rowCount: Self.exportRowsPerRead))
        let store = store
        let body = ResponseBody { writer in
            var text = PanelCSVExport.byteOrderMark + PanelCSVExport.entriesHeader
            var entries = first.entries
            var pageNumber = 1
            while true {
                for entry in entries { text += PanelCSVExport.entryRecord(entry) }
                try await writer.write(ByteBuffer(string: text))
                text = ""
                guard entries.count == Self.exportRowsPerRead else { break }
                pageNumber += 1
                entries = try await store.entries(
                    for: account.id, filter: filter,
                    page: try PageRequest(page: pageNumber, rowCount: Self.exportRowsPerRead)
                ).entries
            }
            try await writer.finish(nil)
        }
        return csv(body, named: "\(account.name.value)-list.csv", visit)
    }

    /// Every change record still kept, oldest first, as CSV, read a store page at a time.
    private func exportChanges(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let account = try await workplace(visit, signedIn, writing: false)
        let first = try await store.changes(for: account.id, after: 0, limit: Self.exportRowsPerRead)
        let store = store
        let body = ResponseBody { writer in
            var text = PanelCSVExport.byteOrderMark + PanelCSVExport.changesHeader
            var page = first
            while true {
                for change in page.changes { text += PanelCSVExport.changeRecord(change) }
                try await writer.write(ByteBuffer(string: text))
                text = ""
                guard page.changes.count == Self.exportRowsPerRead else { break }
                page = try await store.changes(for: account.id, after: page.next, limit: Self.exportRowsPerRead)
            }
            try await writer.finish(nil)
        }
        return csv(body, named: "\(account.name.value)-changes.csv", visit)
    }

    private func csv(_ body: ResponseBody, named fileName: String, _ visit: PanelVisit) -> Response {
        var response = Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"engel-\(fileName)\"",
            ],
            body: body)
        finish(&response, visit)
        return response
    }
}
