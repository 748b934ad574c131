import EngelCore
import Foundation

/// The sign-in form. Posts `user`, `password` and `csrf` to ``PanelPath/signIn``.
public struct PanelSignInPage: Sendable, Hashable {
    /// Why the form is shown again.
    public enum Notice: Sendable, Hashable {
        /// The name or the password is wrong (never which one).
        case wrongNameOrPassword
        /// Too many failed attempts; try again later.
        case tooManyAttempts
        /// The session ended; sign in again.
        case sessionExpired
        /// Signed out.
        case signedOut
        /// The form did not carry the browser's sign-in token (it was too old, or posted from
        /// elsewhere).
        case formExpired
    }

    /// The name typed before, kept in the field.
    public var userName: String
    /// The message above the form, if any.
    public var notice: Notice?

    /// Creates the page.
    public init(userName: String = "", notice: Notice? = nil) {
        self.userName = userName
        self.notice = notice
    }
}

/// One page of the list, with the date filter and the links to the other pages.
///
/// The filter form is a GET of ``PanelPath/list`` with `start` and `end`; the page links add `page`.
public struct PanelListPage: Sendable, Hashable {
    /// How many rows a page shows.
    public static let rowsPerPage = 100

    /// This page's entries, oldest first.
    public var entries: [ListEntry]
    /// How many entries match the filter across all pages.
    public var count: Int
    /// This page's number, from 1.
    public var page: Int
    /// The filter's start as typed (`YYYY-MM-DD HH:MM:SS`, Turkey time), kept in its field.
    public var start: String
    /// The filter's end as typed, kept in its field.
    public var end: String

    /// Creates the page.
    public init(entries: [ListEntry], count: Int, page: Int, start: String = "", end: String = "") {
        self.entries = entries
        self.count = count
        self.page = page
        self.start = start
        self.end = end
    }

    /// How many pages the filtered list fills; 1 when it is empty.
    public var pageCount: Int { max(1, (count + Self.rowsPerPage - 1) / Self.rowsPerPage) }
}

/// A number's state: the search form and, once asked, the answer. A GET of ``PanelPath/search``
/// with `number`.
public struct PanelSearchPage: Sendable, Hashable {
    /// What the search found.
    public enum Result: Sendable, Hashable {
        /// The input is not a Turkish mobile number.
        case invalid(String)
        /// The number is not listed.
        case notListed(PhoneNumber)
        /// The number is listed, with its story.
        case listed(ListEntry)
    }

    /// The input as typed, kept in the field.
    public var query: String
    /// The answer; `nil` before a search.
    public var result: Result?

    /// Creates the page.
    public init(query: String = "", result: Result? = nil) {
        self.query = query
        self.result = result
    }
}

/// The add and remove forms.
///
/// Add posts `number`, `reason`, `until` to ``PanelPath/add``; remove posts `number`, `reason` to
/// ``PanelPath/remove``. After a refused input the route shows the page again with what was
/// typed and a ``PanelFlash`` saying why.
public struct PanelChangePage: Sendable, Hashable {
    /// The add form's number, as typed.
    public var addNumber: String
    /// The add form's reason, as typed.
    public var addReason: String
    /// The add form's end, as typed (`YYYY-MM-DD HH:MM:SS`, Turkey time; empty is forever).
    public var addUntil: String
    /// The remove form's number, as typed.
    public var removeNumber: String
    /// The remove form's reason, as typed.
    public var removeReason: String

    /// Creates the page.
    public init(
        addNumber: String = "", addReason: String = "", addUntil: String = "", removeNumber: String = "",
        removeReason: String = ""
    ) {
        self.addNumber = addNumber
        self.addReason = addReason
        self.addUntil = addUntil
        self.removeNumber = removeNumber
        self.removeReason = removeReason
    }
}

extension PanelSignInPage: PanelPageContent {
    var template: String { "signIn" }
    var section: PanelSection? { nil }
    func title(_ format: PanelFormat) -> String { format.text(.signInTitle) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        var fields: [String: Any] = ["userName": userName]
        if let notice {
            let (key, isError): (PanelStringKey, Bool) =
                switch notice {
                case .wrongNameOrPassword: (.signInWrong, true)
                case .tooManyAttempts: (.signInTooMany, true)
                case .sessionExpired: (.signInExpired, false)
                case .signedOut: (.signInSignedOut, false)
                case .formExpired: (.flashFormExpired, true)
                }
            fields["notice"] = [
                "message": format.text(key), "kind": isError ? "warning" : "", "role": isError ? "alert" : "status",
            ]
        }
        return fields
    }
}

extension PanelListPage: PanelPageContent {
    var template: String { "list" }
    var section: PanelSection? { .list }
    func title(_ format: PanelFormat) -> String { format.text(.navList) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        let filtered = !start.isEmpty || !end.isEmpty
        let pages = pageCount
        let pageText = format.text(.pageOf, ["page": format.count(page), "pages": format.count(pages)])
        func link(_ page: Int) -> String {
            PanelQuery.link(PanelPath.list, [("page", page == 1 ? nil : String(page)), ("start", start), ("end", end)])
        }
        var fields: [String: Any] = [
            "start": start, "end": end, "filtered": filtered,
            "countText": format.text(filtered ? .listCountFiltered : .listCount, ["count": format.count(count)]),
            "emptyText": format.text(count > 0 ? .listPastEnd : filtered ? .listEmptyFiltered : .listEmpty),
            "pageText": pageText,
            "hasRows": !entries.isEmpty,
            "rows": entries.map { PanelRows.entry($0, format) },
        ]
        // A page past the end still links back; first and previous are offered from page 2 on.
        if page > 1 {
            fields["firstHref"] = link(1)
            fields["previousHref"] = link(min(page - 1, pages))
        }
        if page < pages {
            fields["nextHref"] = link(page + 1)
            fields["lastHref"] = link(pages)
        }
        return fields
    }
}

extension PanelSearchPage: PanelPageContent {
    var template: String { "search" }
    var section: PanelSection? { .search }
    func title(_ format: PanelFormat) -> String { format.text(.navSearch) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        var fields: [String: Any] = ["query": query]
        switch result {
        case .none: break
        case .invalid(let input):
            fields["invalid"] = ["message": format.text(.flashInvalidNumber, ["input": input])]
        case .notListed(let number):
            fields["notListed"] = ["number": format.phone(number)]
        case .listed(let entry):
            var row = PanelRows.entry(entry, format)
            row["canonical"] = entry.number.international
            fields["listed"] = row
        }
        return fields
    }
}

extension PanelChangePage: PanelPageContent {
    var template: String { "change" }
    var section: PanelSection? { .change }
    func title(_ format: PanelFormat) -> String { format.text(.navChange) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        [
            "addNumber": addNumber, "addReason": addReason, "addUntil": addUntil, "removeNumber": removeNumber,
            "removeReason": removeReason,
        ]
    }
}

/// Table rows shared by several pages. Every row sets every key its template reads: a missing key
/// would make mustache look it up in the enclosing contexts instead.
enum PanelRows {
    /// A list entry: number, addedAt, source, reason, until, actor.
    static func entry(_ entry: ListEntry, _ format: PanelFormat) -> [String: Any] {
        [
            "number": format.phone(entry.number),
            "addedAt": format.time(entry.addedAt),
            "source": format.source(entry.source),
            "reason": entry.reason ?? "—",
            "until": format.until(entry.until),
            "actor": format.actor(entry.actor),
        ]
    }
}
