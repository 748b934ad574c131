import EngelCore
import HTTPTypes
import Hummingbird
import NIOCore

extension PanelSite {
    /// The CSV import: the upload form, the check of an uploaded file, its confirmation, and the
    /// progress of the job applying it (``PanelImports``).
    func addImportRoutes(to router: Router<EngelRequestContext>) {
        router.get(RouterPath(PanelPath.importUpload)) { request, context in
            let visit = self.visit(request, context)
            let signedIn = try await self.signedIn(visit)
            let account = try await self.workplace(visit, signedIn, writing: true)
            return self.uploadPage(visit, signedIn, account)
        }
        router.post(RouterPath(PanelPath.importUpload)) { request, context in
            try await self.check(self.visit(request, context))
        }
        router.post(RouterPath(PanelPath.importConfirm)) { request, context in
            try await self.confirm(self.visit(request, context))
        }
        router.get(RouterPath(PanelPath.importUpload + "/jobs/{id}")) { request, context in
            try await self.job(self.visit(request, context), id: context.parameters.get("id") ?? "")
        }
    }

    /// Reads an uploaded file and shows what it holds: the numbers to block, and each line that
    /// will not be imported. Nothing is applied before the report's form confirms it.
    private func check(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let account = try await workplace(visit, signedIn, writing: true)
        guard let body = try await uploadedBody(visit) else {
            var response = uploadPage(
                visit, signedIn, account, [.importTooLarge(maximumBytes: uploadLimit)], status: .contentTooLarge)
            // The rest of the body is never read: the connection's handler drops it and ends the connection.
            response.headers[.connection] = "close"
            return response
        }
        guard let form = PanelMultipartForm(body: body, contentType: visit.request.headers[.contentType] ?? "") else {
            return uploadPage(visit, signedIn, account, [.failed(detail: nil)], status: .badRequest)
        }
        try checkCSRF(form["csrf"]?.text, visit, signedIn)
        guard let file = form["file"] else {
            return uploadPage(visit, signedIn, account, [.importEmpty], status: .badRequest)
        }
        let check = PanelImportCheck(text: file.text, parser: parser)
        if check.isEmpty {
            return uploadPage(visit, signedIn, account, [.importEmpty], status: .badRequest)
        }
        let fileName = file.fileName.flatMap { $0.isEmpty ? nil : $0 }
        let report = imports.keep(check, fileName: fileName, for: owner(signedIn, account))
        return page(.importReport(report), visit, chrome: chrome(visit, signedIn, account: account.name))
    }

    /// The upload's body, or `nil` when it is larger than the upload limit: said so by its
    /// `Content-Length` (nothing is read then), found so while reading, or refused by the request
    /// guard.
    private func uploadedBody(_ visit: PanelVisit) async throws -> [UInt8]? {
        if let declared = visit.request.headers[.contentLength].flatMap({ Int($0) }), declared > uploadLimit {
            return nil
        }
        do {
            let body = try await visit.request.body.collect(upTo: uploadLimit)
            return Array(buffer: body)
        } catch is NIOTooManyBytesError {
            return nil
        } catch let rejected as RequestBodyRejected {
            guard case .tooLarge = rejected.reason else { throw rejected }
            return nil
        }
    }

    /// Starts applying a checked file, with the reason given, and goes to the job's page.
    private func confirm(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let form = try await postedForm(visit, signedIn)
        let account = try await workplace(visit, signedIn, writing: true)
        let token = form["import"] ?? ""
        let owner = self.owner(signedIn, account)
        // Another user's token, or one from before a restart, is as unknown as an expired one.
        guard let report = imports.report(token, for: owner) else {
            return uploadPage(visit, signedIn, account, [.importExpired], status: .notFound)
        }
        let reason: String?
        do {
            reason = try ChangeReason.validated(form["reason"] ?? "")
        } catch {
            return page(
                .importReport(report), visit,
                chrome: chrome(visit, signedIn, account: account.name, flashes: [.invalidReason]),
                status: .badRequest)
        }
        let provenance = Provenance(source: .panel, actor: signedIn.user.actor, reason: reason)
        guard let id = imports.start(token, for: owner, provenance: provenance) else {
            return uploadPage(visit, signedIn, account, [.importExpired], status: .notFound)
        }
        return redirect(to: PanelPath.importJob(id), visit)
    }

    /// A job's progress, for the user who started it on the account it works on.
    private func job(_ visit: PanelVisit, id: String) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let account = try await workplace(visit, signedIn, writing: false)
        guard let job = imports.job(id, for: owner(signedIn, account)) else {
            return page(
                .error(PanelErrorPage(kind: .notFound)), visit, chrome: chrome(visit, signedIn, account: account.name))
        }
        return page(.importJob(job), visit, chrome: chrome(visit, signedIn, account: account.name))
    }

    private func owner(_ signedIn: PanelSignedIn, _ account: Account) -> PanelImports.Owner {
        PanelImports.Owner(user: signedIn.user.name.value, account: account.id)
    }

    private func uploadPage(
        _ visit: PanelVisit, _ signedIn: PanelSignedIn, _ account: Account, _ flashes: [PanelFlash] = [],
        status: HTTPResponse.Status? = nil
    ) -> Response {
        page(
            .importUpload(PanelImportUploadPage(maximumBytes: uploadLimit)), visit,
            chrome: chrome(visit, signedIn, account: account.name, flashes: flashes), status: status)
    }
}
