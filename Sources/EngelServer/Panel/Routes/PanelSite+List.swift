import EngelCore
import Foundation
import HTTPTypes
import Hummingbird

extension PanelSite {
    /// The list, a number's state, and adding and removing numbers.
    func addListRoutes(to router: Router<EngelRequestContext>) {
        router.get(RouterPath(PanelPath.list)) { request, context in try await self.list(self.visit(request, context)) }
        router.get(RouterPath(PanelPath.search)) { request, context in
            try await self.search(self.visit(request, context))
        }
        router.get(RouterPath(PanelPath.change)) { request, context in
            let visit = self.visit(request, context)
            let signedIn = try await self.signedIn(visit)
            let account = try await self.workplace(visit, signedIn, writing: true)
            return self.page(
                .change(PanelChangePage()), visit, chrome: self.chrome(visit, signedIn, account: account.name))
        }
        router.post(RouterPath(PanelPath.add)) { request, context in try await self.add(self.visit(request, context)) }
        router.post(RouterPath(PanelPath.remove)) { request, context in
            try await self.remove(self.visit(request, context))
        }
    }

    /// A page of 100 entries, filtered by `start` and `end`, with the count of all that match.
    private func list(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let account = try await workplace(visit, signedIn, writing: false)
        let start = visit.query["start"] ?? ""
        let end = visit.query["end"] ?? ""
        let pageNumber = visit.query["page"].flatMap { Int($0) }.map { max(1, $0) } ?? 1
        var flashes: [PanelFlash] = []
        let filter: DateFilter
        do {
            filter = try DateFilter(startText: start, endText: end)
        } catch {
            // Each bound on its own says which one is wrong.
            let wrong = (try? DateFilter(startText: start, endText: nil)) == nil ? start : end
            flashes.append(.invalidDate(wrong))
            filter = DateFilter(start: nil, end: nil)
        }
        let found = try await store.entries(
            for: account.id, filter: filter,
            page: try PageRequest(page: pageNumber, rowCount: PanelListPage.rowsPerPage))
        return page(
            .list(PanelListPage(entries: found.entries, count: found.count, page: pageNumber, start: start, end: end)),
            visit, chrome: chrome(visit, signedIn, account: account.name, flashes: flashes))
    }

    /// Whether the number typed is listed, and its entry when it is.
    private func search(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let account = try await workplace(visit, signedIn, writing: false)
        let query = visit.query["number"] ?? ""
        var result: PanelSearchPage.Result?
        if !query.isEmpty {
            if let number = parser.number(from: query) {
                let entry = try await store.listedEntries([number], for: account.id, at: now()).first ?? nil
                result = entry.map { .listed($0) } ?? .notListed(number)
            } else {
                result = .invalid(query)
            }
        }
        return page(
            .search(PanelSearchPage(query: query, result: result)), visit,
            chrome: chrome(visit, signedIn, account: account.name))
    }

    /// Blocks a number, as the panel user, with the reason and end given, and sends the browser back
    /// to the forms (a reload then repeats nothing); a refused form is shown again as typed.
    private func add(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let form = try await postedForm(visit, signedIn)
        let account = try await workplace(visit, signedIn, writing: true)
        let typed = form["number"] ?? ""
        let reasonText = form["reason"] ?? ""
        let untilText = form["until"] ?? ""
        let kept = PanelChangePage(addNumber: typed, addReason: reasonText, addUntil: untilText)
        let at = now()
        guard let number = parser.number(from: typed) else {
            return changePage(kept, visit, signedIn, account, [.invalidNumber(typed)], status: .badRequest)
        }
        let reason: String?
        let until: Date?
        do {
            reason = try ChangeReason.validated(reasonText)
        } catch {
            return changePage(kept, visit, signedIn, account, [.invalidReason], status: .badRequest)
        }
        do {
            until = try BlockEnd.parse(untilText.isEmpty ? nil : untilText, after: at)
        } catch {
            return changePage(kept, visit, signedIn, account, [.invalidUntil(untilText)], status: .badRequest)
        }
        let outcome = try await store.add(
            number, for: account.id, at: at,
            provenance: Provenance(source: .panel, actor: signedIn.user.actor, reason: reason, until: until))
        return redirect(to: PanelPath.change, visit, flash: outcome == .added ? .added(number) : .alreadyListed(number))
    }

    /// Unblocks a number, as the panel user, with the reason given, and sends the browser back to
    /// the forms.
    private func remove(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let form = try await postedForm(visit, signedIn)
        let account = try await workplace(visit, signedIn, writing: true)
        let typed = form["number"] ?? ""
        let reasonText = form["reason"] ?? ""
        let kept = PanelChangePage(removeNumber: typed, removeReason: reasonText)
        guard let number = parser.number(from: typed) else {
            return changePage(kept, visit, signedIn, account, [.invalidNumber(typed)], status: .badRequest)
        }
        let reason: String?
        do {
            reason = try ChangeReason.validated(reasonText)
        } catch {
            return changePage(kept, visit, signedIn, account, [.invalidReason], status: .badRequest)
        }
        let removed = try await store.remove(
            number, for: account.id, at: now(),
            provenance: Provenance(source: .panel, actor: signedIn.user.actor, reason: reason))
        return redirect(to: PanelPath.change, visit, flash: removed ? .removed(number) : .notListed(number))
    }

    private func changePage(
        _ page: PanelChangePage, _ visit: PanelVisit, _ signedIn: PanelSignedIn, _ account: Account,
        _ flashes: [PanelFlash], status: HTTPResponse.Status? = nil
    ) -> Response {
        self.page(
            .change(page), visit, chrome: chrome(visit, signedIn, account: account.name, flashes: flashes),
            status: status)
    }
}
