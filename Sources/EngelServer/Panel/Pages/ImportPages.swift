/// The CSV upload form: a `multipart/form-data` POST of `file` (and `csrf`) to
/// ``PanelPath/importUpload``.
public struct PanelImportUploadPage: Sendable, Hashable {
    /// The largest file accepted, in bytes (shown on the form).
    public var maximumBytes: Int

    /// Creates the page.
    public init(maximumBytes: Int) {
        self.maximumBytes = maximumBytes
    }
}

/// What checking an uploaded file found, with the button that applies it: a POST of `import`
/// (``token``), `reason` and `csrf` to ``PanelPath/importConfirm``.
public struct PanelImportReportPage: Sendable, Hashable {
    /// One line that will not be imported.
    public struct Problem: Sendable, Hashable {
        /// What is wrong with it.
        public enum Kind: Sendable, Hashable {
            /// Not a Turkish mobile number.
            case notANumber
            /// The same number as an earlier line.
            case duplicate(ofLine: Int)
        }

        /// The line's number in the file, from 1.
        public var line: Int
        /// The line's text as read.
        public var input: String
        /// What is wrong with it.
        public var kind: Kind

        /// Creates a problem.
        public init(line: Int, input: String, kind: Kind) {
            self.line = line
            self.input = input
            self.kind = kind
        }
    }

    /// Identifies the checked file for the confirm form.
    public var token: String
    /// The uploaded file's name, if the browser sent one.
    public var fileName: String?
    /// Lines that are numbers to block (each number once).
    public var valid: Int
    /// Lines that are not numbers.
    public var invalid: Int
    /// Lines repeating an earlier line's number.
    public var duplicates: Int
    /// The problems to show, in line order.
    public var problems: [Problem]
    /// Problems found but not in ``problems`` (the route shows only the first ones).
    public var problemsNotShown: Int

    /// Creates the page.
    public init(
        token: String, fileName: String?, valid: Int, invalid: Int, duplicates: Int, problems: [Problem],
        problemsNotShown: Int = 0
    ) {
        self.token = token
        self.fileName = fileName
        self.valid = valid
        self.invalid = invalid
        self.duplicates = duplicates
        self.problems = problems
        self.problemsNotShown = problemsNotShown
    }
}

/// An import's progress. While it runs the page reloads itself every second (a `refresh` meta
/// element, no JavaScript); once it is done or failed it stays.
public struct PanelImportJobPage: Sendable, Hashable {
    /// Where the import is.
    public enum State: Sendable, Hashable {
        /// Still applying.
        case running
        /// Every number was applied.
        case done
        /// It stopped; `detail` says why, if known. Numbers applied before stay applied.
        case failed(detail: String?)
    }

    /// The import's identifier (for the page's own address).
    public var id: String
    /// Where it is.
    public var state: State
    /// Numbers applied so far.
    public var processed: Int
    /// Numbers to apply.
    public var total: Int
    /// Numbers newly blocked.
    public var added: Int
    /// Numbers that were blocked already.
    public var alreadyListed: Int
    /// Lines that were not numbers.
    public var invalid: Int

    /// Creates the page.
    public init(
        id: String, state: State, processed: Int, total: Int, added: Int, alreadyListed: Int, invalid: Int
    ) {
        self.id = id
        self.state = state
        self.processed = processed
        self.total = total
        self.added = added
        self.alreadyListed = alreadyListed
        self.invalid = invalid
    }
}

extension PanelImportUploadPage: PanelPageContent {
    var template: String { "importUpload" }
    var section: PanelSection? { .importCSV }
    func title(_ format: PanelFormat) -> String { format.text(.navImport) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        ["limitText": format.text(.importLimit, ["size": format.bytes(maximumBytes)])]
    }
}

extension PanelImportReportPage: PanelPageContent {
    var template: String { "importReport" }
    var section: PanelSection? { .importCSV }
    func title(_ format: PanelFormat) -> String { format.text(.importReportTitle) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        var fields: [String: Any] = [
            "token": token,
            "hasFileName": fileName != nil,
            "fileName": fileName ?? "",
            "valid": format.count(valid),
            "invalid": format.count(invalid),
            "duplicates": format.count(duplicates),
            "canApply": valid > 0,
            "applyText": format.text(.importApplyButton, ["count": format.count(valid)]),
            "hasProblems": !problems.isEmpty,
            "problems": problems.map { problem -> [String: Any] in
                let text =
                    switch problem.kind {
                    case .notANumber: format.text(.importProblemNotANumber)
                    case .duplicate(let line): format.text(.importProblemDuplicate, ["line": format.count(line)])
                    }
                return ["line": format.count(problem.line), "input": problem.input, "problem": text]
            },
            "hasHidden": problemsNotShown > 0,
        ]
        fields["hiddenText"] = format.text(.importProblemsNotShown, ["count": format.count(problemsNotShown)])
        return fields
    }
}

extension PanelImportJobPage: PanelPageContent {
    var template: String { "importJob" }
    var section: PanelSection? { .importCSV }
    func title(_ format: PanelFormat) -> String { format.text(.importJobTitle) }
    var refreshes: Bool { state == .running }

    func fields(_ format: PanelFormat) -> [String: Any] {
        var fields: [String: Any] = [
            "running": state == .running,
            "progressMax": String(max(total, 1)),
            "processedValue": String(min(max(processed, 0), max(total, 1))),
            "progressText": format.text(
                .importProgressText, ["processed": format.count(processed), "total": format.count(total)]),
            "added": format.count(added),
            "alreadyListed": format.count(alreadyListed),
            "invalid": format.count(invalid),
            "selfHref": PanelPath.importJob(id),
            "hasDetail": false,
            "failed": false,
        ]
        switch state {
        case .running: fields["stateText"] = format.text(.importRunning)
        case .done: fields["stateText"] = format.text(.importDone)
        case .failed(let detail):
            fields["stateText"] = format.text(.importFailed)
            fields["failed"] = true
            if let detail {
                fields["hasDetail"] = true
                fields["detail"] = detail
            }
        }
        return fields
    }
}
