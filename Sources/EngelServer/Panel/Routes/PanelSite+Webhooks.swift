import EngelCore
import Foundation
import HTTPTypes
import Hummingbird

extension PanelSite {
    /// The account's webhooks: listing them (anyone who may read the account), adding and removing
    /// them (whoever may change it).
    func addWebhookRoutes(to router: Router<EngelRequestContext>) {
        router.get(RouterPath(PanelPath.webhooks)) { request, context in
            let visit = self.visit(request, context)
            let signedIn = try await self.signedIn(visit)
            let account = try await self.workplace(visit, signedIn, writing: false)
            return try await self.webhooksPage(PanelWebhooksPage(webhooks: []), account, visit, signedIn)
        }
        router.post(RouterPath(PanelPath.webhookAdd)) { request, context in
            try await self.addWebhook(self.visit(request, context))
        }
        router.post(RouterPath(PanelPath.webhookRemove)) { request, context in
            try await self.removeWebhook(self.visit(request, context))
        }
    }

    /// `url`: a webhook posting the account's changes there from now on. Its secret is shown on the
    /// answer to this POST only: the page is never reached by a GET, so it cannot be fetched again.
    private func addWebhook(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let form = try await postedForm(visit, signedIn)
        let account = try await workplace(visit, signedIn, writing: true)
        let typed = form["url"] ?? ""
        let added: WebhookAdministration.Listed
        do {
            added = try await webhookAdministration(signedIn).add(account: account.name.value, url: typed)
        } catch is InvalidWebhookURL {
            return try await webhooksPage(
                PanelWebhooksPage(webhooks: [], urlInput: typed), account, visit, signedIn,
                flashes: [.invalidWebhookURL(typed)], status: .badRequest)
        }
        return page(
            .webhookCreated(PanelWebhookCreatedPage(added.webhook)), visit,
            chrome: chrome(visit, signedIn, account: account.name))
    }

    /// `id`: removes the account's webhook; deliveries stop within a poll interval.
    private func removeWebhook(_ visit: PanelVisit) async throws -> Response {
        let signedIn = try await self.signedIn(visit)
        let form = try await postedForm(visit, signedIn)
        let account = try await workplace(visit, signedIn, writing: true)
        let typed = form["id"] ?? ""
        if let id = Int64(typed) {
            do {
                try await webhookAdministration(signedIn).remove(account: account.name.value, id: id)
                return redirect(to: PanelPath.webhooks, visit, flash: .webhookRemoved(id))
            } catch is WebhookNotFound {
                // Removed already, or another account's: `remove` never reaches those.
            }
        }
        return try await webhooksPage(
            PanelWebhooksPage(webhooks: []), account, visit, signedIn, flashes: [.webhookNotFound(typed)],
            status: .notFound)
    }

    /// The webhooks page with the account's webhooks in `page`, never their secrets.
    private func webhooksPage(
        _ page: PanelWebhooksPage, _ account: Account, _ visit: PanelVisit, _ signedIn: PanelSignedIn,
        flashes: [PanelFlash] = [], status: HTTPResponse.Status? = nil
    ) async throws -> Response {
        var page = page
        page.webhooks = try await webhookAdministration(signedIn).list(account: account.name.value).map {
            PanelWebhooksPage.Row($0.webhook)
        }
        return self.page(
            .webhooks(page), visit, chrome: chrome(visit, signedIn, account: account.name, flashes: flashes),
            status: status)
    }

    /// Webhook changes as the signed-in user, so the audit log names them.
    private func webhookAdministration(_ signedIn: PanelSignedIn) -> WebhookAdministration {
        WebhookAdministration(store: store, actor: signedIn.user.actor, now: now)
    }
}
