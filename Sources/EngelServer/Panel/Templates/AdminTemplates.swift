extension PanelTemplates {
    /// The panel users and their forms.
    static let users = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        {{#hasRows}}
        <div class="scroll" role="region" aria-label="{{t.navUsers}}" tabindex="0">
        <table>
        <thead><tr><th scope="col">{{t.columnName}}</th><th scope="col">{{t.columnRole}}</th><th scope="col">{{t.accountLabel}}</th><th scope="col">{{t.columnState}}</th><th scope="col"><span class="muted">{{t.columnActions}}</span></th></tr></thead>
        <tbody>
        {{#rows}}<tr><td>{{name}}</td><td>{{role}}</td><td>{{account}}</td><td>{{state}}</td><td>
        {{^isCurrentUser}}<form method="post" action="{{toggleAction}}" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="user" value="{{name}}"><button type="submit">{{toggleText}}</button></form>{{/isCurrentUser}}
        <form method="post" action="{{paths.userResetPassword}}" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="user" value="{{name}}"><input name="password" type="password" autocomplete="new-password" required aria-label="{{passwordLabel}}" placeholder="{{t.newPasswordLabel}}" size="14"><button type="submit">{{t.resetPasswordButton}}</button></form>
        {{^isCurrentUser}}<form method="post" action="{{paths.userDelete}}" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="user" value="{{name}}"><button type="submit" class="danger">{{t.deleteUserButton}}</button></form>{{/isCurrentUser}}
        </td></tr>
        {{/rows}}</tbody>
        </table>
        </div>
        {{/hasRows}}
        {{^hasRows}}<p>{{t.usersEmpty}}</p>
        {{/hasRows}}
        <section aria-labelledby="user-create-heading">
        <h2 id="user-create-heading">{{t.userCreateHeading}}</h2>
        <form method="post" action="{{paths.userCreate}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="new-user">{{t.userNameLabel}}</label>
        <input id="new-user" name="user" type="text" value="{{nameInput}}" autocomplete="off" autocapitalize="none" spellcheck="false" required>
        <label for="new-password">{{t.passwordLabel}}</label>
        <input id="new-password" name="password" type="password" autocomplete="new-password" required>
        <label for="new-role">{{t.columnRole}}</label>
        <select id="new-role" name="role">{{#roles}}<option value="{{value}}">{{label}}</option>{{/roles}}</select>
        <label for="new-account">{{t.accountLabel}}</label>
        <select id="new-account" name="account" aria-describedby="new-account-hint"><option value="">{{t.noAccountOption}}</option>{{#accountOptions}}<option value="{{.}}">{{.}}</option>{{/accountOptions}}</select>
        <p id="new-account-hint" class="hint">{{t.userAccountHint}}</p>
        <p><button type="submit">{{t.userCreateButton}}</button></p>
        </form>
        </section>
        {{/p}}
        """

    /// The accounts an admin may work on.
    static let accounts = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        {{#hasRows}}
        <div class="scroll" role="region" aria-label="{{t.navAccounts}}" tabindex="0">
        <table>
        <thead><tr><th scope="col">{{t.columnName}}</th><th scope="col">{{t.apiAccessLabel}}</th><th scope="col">{{t.columnCreated}}<br><span class="muted">{{t.turkeyTime}}</span></th><th scope="col"><span class="muted">{{t.columnActions}}</span></th></tr></thead>
        <tbody>
        {{#rows}}<tr><td>{{name}}</td><td>{{api}}</td><td class="nowrap">{{createdAt}}</td><td>{{#current}}<strong>{{t.currentAccount}}</strong>{{/current}}{{^current}}<form method="post" action="{{paths.chooseAccount}}" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="account" value="{{name}}"><button type="submit">{{t.chooseAccountButton}}</button></form>{{/current}}</td></tr>
        {{/rows}}</tbody>
        </table>
        </div>
        {{/hasRows}}
        {{^hasRows}}<p>{{t.accountsEmpty}}</p>
        {{/hasRows}}
        {{/p}}
        """

    /// 403, 404 or a failure.
    static let error = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        <p class="notice warning" role="alert">{{message}}</p>
        {{#hasDetail}}<p class="hint">{{t.errorDetail}}: <code>{{detail}}</code></p>
        {{/hasDetail}}
        <p><a href="{{paths.root}}">{{t.backToPanel}}</a></p>
        {{/p}}
        """
}
