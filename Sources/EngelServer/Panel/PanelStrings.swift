/// Every text the panel shows, in Turkish and English.
///
/// One `switch` holds both languages of each key side by side, so a key cannot exist in one and
/// not the other; the tests check that neither is empty and that both use the same placeholders.
/// `{name}` marks a value filled in by ``PanelFormat/text(_:_:)``.
enum PanelStrings {
    /// The text of `key` in `language`.
    static func text(_ key: PanelStringKey, in language: PanelLanguage) -> String {
        let (turkish, english) = key.texts
        return language == .turkish ? turkish : english
    }

    /// Every key's text in `language`, by key name: what templates read as `{{t.name}}`.
    static func table(_ language: PanelLanguage) -> [String: String] {
        language == .turkish ? turkishTable : englishTable
    }

    private static let turkishTable = Dictionary(
        uniqueKeysWithValues: PanelStringKey.allCases.map { ($0.rawValue, $0.texts.turkish) })
    private static let englishTable = Dictionary(
        uniqueKeysWithValues: PanelStringKey.allCases.map { ($0.rawValue, $0.texts.english) })

    /// `text` with each `{name}` that `values` names replaced, in one pass.
    static func fill(_ text: String, _ values: [String: String]) -> String {
        var filled = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            filled += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "}"),
                let value = values[String(rest[afterOpen..<close])]
            else {
                filled.append("{")
                rest = rest[afterOpen...]
                continue
            }
            filled += value
            rest = rest[rest.index(after: close)...]
        }
        return filled + rest
    }

    /// The names of the placeholders in `text`, for the tests.
    static func placeholders(_ text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}

/// The name of a panel text.
enum PanelStringKey: String, CaseIterable, Sendable {
    // Layout.
    case productTagline, skipToContent, languageLabel, navigationLabel, signedInAs, accountLabel
    case noAccountChosen, switchAccount, signOut, footerTimes, turkeyTime, timePlaceholder, forever
    case navList, navSearch, navChange, navImport, navExport, navChangeLog, navAuditLog, navAPIAccess
    case navWebhooks, navUsers, navAccounts
    // Roles.
    case roleAdmin, roleOperator, roleViewer, roleMayNotChange
    // Sign-in.
    case signInTitle, userNameLabel, passwordLabel, signIn, signInWrong, signInTooMany, signInExpired
    case signInSignedOut
    // Columns.
    case columnNumber, columnAddedAt, columnSource, columnReason, columnUntil, columnActor, columnSeq
    case columnAt, columnAction, columnDetail, columnLine, columnInput, columnProblem, columnID, columnURL
    case columnCreated, columnDelivered, columnActions, columnName, columnRole, columnState
    // Sources, actors, actions.
    case sourceAPI, sourceBulk, sourcePanel, sourceLoad, sourceUnknown, sourceExpiry
    case actorAPI, actorPanel, actorCLI, actorSystem, actorUnknown
    case actionAdd, actionRemove
    case auditCreated, auditAPIEnabled, auditAPIDisabled, auditHashRotated, auditDeleted, auditPanelSignIn
    case auditHistoryErased, auditWebhookAdded, auditWebhookRemoved, auditPanelSignInFailed, auditPanelUserCreated
    case auditPanelUserDisabled, auditPanelUserEnabled, auditPanelPasswordReset, auditPanelUserDeleted
    // The list.
    case filterStart, filterEnd, filterApply, filterClear, filterHint, listCount, listCountFiltered
    case listEmpty, listEmptyFiltered, listPastEnd, listTableLabel, paginationLabel, pageFirst
    case pagePrevious, pageNext, pageLast, pageOf
    // Search, add, remove.
    case numberLabel, numberHint, searchButton, searchListed, searchNotListed, reasonLabel, reasonHint
    case untilLabel, untilHint, addHeading, addButton, removeHeading, removeButton
    // Import.
    case importFileLabel, importFileHint, importLimit, importCheckButton, importReportTitle, importValid
    case importInvalid, importDuplicates, importReasonHint, importApplyButton, importAnotherFile
    case importNothingToApply, importProblemsHeading, importProblemNotANumber, importProblemDuplicate
    case importProblemsNotShown, importJobTitle, importRunning, importDone, importFailed, importProgress
    case importProgressText, importAdded, importAlreadyListed, importRefreshing, importRefreshNow
    case sizeBytes, sizeMebibytes
    // Export and logs.
    case exportListHeading, exportListButton, exportListHint, exportChangesHeading, exportChangesButton
    case exportChangesHint, exportFormatHint, changeLogTableLabel, changeLogEmpty, changeLogOlder
    case changeLogNewer, changeLogPruned, auditTableLabel, auditEmpty, auditHint
    // API access and webhooks.
    case apiKeyLabel, apiAccessLabel, apiAccessOn, apiAccessOff, apiAccessHint, apiAccessTurnOn
    case apiAccessTurnOff, rotateHeading, rotateWarning, rotateConfirm, rotateButton, newHashTitle
    case shownOnce, newHashWarning, newHashClients, secretLabel, hashLabel, backToAPIAccess
    case webhooksHint, webhooksEmpty, removeWebhookButton, removeWebhookLabel, webhookAddHeading
    case webhookAddButton, webhookCreatedTitle, webhookSecretWarning, backToWebhooks
    // Users and accounts.
    case usersEmpty, userActiveState, userDisabledState, enableUserButton, disableUserButton
    case newPasswordLabel, newPasswordFor, resetPasswordButton, deleteUserButton, userCreateHeading
    case userCreateButton, noAccountOption, userAccountHint, accountsEmpty, currentAccount
    case chooseAccountButton
    // Errors.
    case forbiddenTitle, forbiddenMessage, notFoundTitle, notFoundMessage, failureTitle, failureMessage
    case errorDetail, backToPanel
    // Flash messages.
    case flashAdded, flashAlreadyListed, flashRemoved, flashNotListed, flashInvalidNumber
    case flashInvalidReason, flashInvalidUntil, flashInvalidDate, flashAPIOn, flashAPIOff
    case flashRotationNotConfirmed, flashWebhookRemoved, flashInvalidWebhookURL, flashUserCreated
    case flashUserDisabled, flashUserEnabled, flashPasswordReset, flashUserDeleted, flashInvalidUser
    case flashAccountChosen, flashImportTooLarge, flashImportEmpty, flashImportExpired, flashFormExpired
    case flashFailed, flashWebhookNotFound, flashInvalidUserName, flashPasswordTooShort, flashPasswordUnusable
    case flashInvalidRole, flashUnknownAccount, flashUserExists, flashUserNotFound, flashCannotRemoveYourself

    /// The key's Turkish and English text.
    var texts: (turkish: String, english: String) {
        switch self {
        case .productTagline: ("SMS kara listesi", "SMS blacklist")
        case .skipToContent: ("İçeriğe geç", "Skip to content")
        case .languageLabel: ("Dil", "Language")
        case .navigationLabel: ("Bölümler", "Sections")
        case .signedInAs: ("Oturum:", "Signed in as")
        case .accountLabel: ("Hesap", "Account")
        case .noAccountChosen: ("seçilmedi", "none chosen")
        case .switchAccount: ("Hesap değiştir", "Change account")
        case .signOut: ("Çıkış yap", "Sign out")
        case .footerTimes: ("Tüm saatler Türkiye saatidir (UTC+3).", "All times are Turkey time (UTC+3).")
        case .turkeyTime: ("Türkiye saati", "Turkey time")
        case .timePlaceholder: ("YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD HH:MM:SS")
        case .forever: ("süresiz", "forever")
        case .navList: ("Liste", "List")
        case .navSearch: ("Numara sorgula", "Look up a number")
        case .navChange: ("Ekle / kaldır", "Add / remove")
        case .navImport: ("CSV içe aktar", "Import CSV")
        case .navExport: ("Dışa aktar", "Export")
        case .navChangeLog: ("Değişiklik kaydı", "Change log")
        case .navAuditLog: ("Hesap kaydı", "Audit log")
        case .navAPIAccess: ("API erişimi", "API access")
        case .navWebhooks: ("Webhook'lar", "Webhooks")
        case .navUsers: ("Panel kullanıcıları", "Panel users")
        case .navAccounts: ("Hesaplar", "Accounts")
        case .roleAdmin: ("yönetici", "admin")
        case .roleOperator: ("operatör", "operator")
        case .roleViewer: ("izleyici", "viewer")
        case .roleMayNotChange:
            ("Rolünüz listeyi değiştiremez.", "Your role may not change the list.")
        case .signInTitle: ("Giriş", "Sign in")
        case .userNameLabel: ("Kullanıcı adı", "User name")
        case .passwordLabel: ("Parola", "Password")
        case .signIn: ("Giriş yap", "Sign in")
        case .signInWrong: ("Kullanıcı adı veya parola hatalı.", "The user name or the password is wrong.")
        case .signInTooMany:
            (
                "Çok fazla başarısız deneme. Biraz sonra yeniden deneyin.",
                "Too many failed attempts. Try again in a while."
            )
        case .signInExpired: ("Oturumunuz sona erdi; yeniden giriş yapın.", "Your session ended; sign in again.")
        case .signInSignedOut: ("Çıkış yaptınız.", "You have signed out.")
        case .columnNumber: ("Numara", "Number")
        case .columnAddedAt: ("Eklenme", "Added at")
        case .columnSource: ("Kaynak", "Source")
        case .columnReason: ("Neden", "Reason")
        case .columnUntil: ("Bitiş", "Until")
        case .columnActor: ("Yapan", "Actor")
        case .columnSeq: ("Sıra", "Seq")
        case .columnAt: ("Zaman", "At")
        case .columnAction: ("İşlem", "Action")
        case .columnDetail: ("Ayrıntı", "Detail")
        case .columnLine: ("Satır", "Line")
        case .columnInput: ("Girdi", "Input")
        case .columnProblem: ("Sorun", "Problem")
        case .columnID: ("No", "ID")
        case .columnURL: ("Adres (URL)", "URL")
        case .columnCreated: ("Oluşturulma", "Created")
        case .columnDelivered: ("İletilen son sıra", "Delivered through seq")
        case .columnActions: ("İşlemler", "Actions")
        case .columnName: ("Ad", "Name")
        case .columnRole: ("Rol", "Role")
        case .columnState: ("Durum", "State")
        case .sourceAPI: ("API", "API")
        case .sourceBulk: ("toplu API", "bulk API")
        case .sourcePanel: ("panel", "panel")
        case .sourceLoad: ("yükleme (engel account load)", "load (engel account load)")
        case .sourceUnknown: ("bilinmiyor", "unknown")
        case .sourceExpiry: ("süre doldu", "expiry")
        case .actorAPI: ("API anahtarı", "API key")
        case .actorPanel: ("panel: {user}", "panel: {user}")
        case .actorCLI: ("komut satırı", "command line")
        case .actorSystem: ("sistem", "system")
        case .actorUnknown: ("bilinmiyor", "unknown")
        case .actionAdd: ("ekleme", "add")
        case .actionRemove: ("kaldırma", "remove")
        case .auditCreated: ("hesap oluşturuldu", "account created")
        case .auditAPIEnabled: ("API erişimi açıldı", "API access switched on")
        case .auditAPIDisabled: ("API erişimi kapatıldı", "API access switched off")
        case .auditHashRotated: ("hash yenilendi", "hash rotated")
        case .auditDeleted: ("hesap silindi", "account deleted")
        case .auditPanelSignIn: ("panele giriş", "panel sign-in")
        case .auditHistoryErased: ("bir numaranın geçmişi silindi (KVKK)", "a number's history erased (KVKK)")
        case .auditWebhookAdded: ("webhook eklendi", "webhook added")
        case .auditWebhookRemoved: ("webhook kaldırıldı", "webhook removed")
        case .auditPanelSignInFailed: ("panele giriş reddedildi", "panel sign-in refused")
        case .auditPanelUserCreated: ("panel kullanıcısı oluşturuldu", "panel user created")
        case .auditPanelUserDisabled: ("panel kullanıcısı devre dışı bırakıldı", "panel user disabled")
        case .auditPanelUserEnabled: ("panel kullanıcısı yeniden etkinleştirildi", "panel user enabled")
        case .auditPanelPasswordReset: ("panel parolası sıfırlandı", "panel password reset")
        case .auditPanelUserDeleted: ("panel kullanıcısı silindi", "panel user deleted")
        case .filterStart: ("Başlangıç", "From")
        case .filterEnd: ("Bitiş", "To")
        case .filterApply: ("Süz", "Filter")
        case .filterClear: ("Süzgeci kaldır", "Clear the filter")
        case .filterHint:
            (
                "Eklenme zamanına göre, sınırlar dahil; YYYY-MM-DD HH:MM:SS biçiminde Türkiye saati. "
                    + "İkisi de isteğe bağlıdır.",
                "By the time added, bounds included; YYYY-MM-DD HH:MM:SS in Turkey time. Either may be left empty."
            )
        case .listCount: ("Listede {count} numara var.", "Numbers listed: {count}.")
        case .listCountFiltered: ("Süzgece uyan {count} numara var.", "Numbers matching the filter: {count}.")
        case .listEmpty: ("Liste boş.", "The list is empty.")
        case .listEmptyFiltered: ("Süzgece uyan numara yok.", "No number matches the filter.")
        case .listPastEnd: ("Bu sayfa listenin sonundan sonra.", "This page is past the end of the list.")
        case .listTableLabel: ("Engelli numaralar", "Blocked numbers")
        case .paginationLabel: ("Sayfalar", "Pages")
        case .pageFirst: ("İlk", "First")
        case .pagePrevious: ("Önceki", "Previous")
        case .pageNext: ("Sonraki", "Next")
        case .pageLast: ("Son", "Last")
        case .pageOf: ("Sayfa {page} / {pages}", "Page {page} of {pages}")
        case .numberLabel: ("Numara", "Number")
        case .numberHint:
            (
                "Türk cep numarası: 5XX XXX XX XX, 0 ya da +90 ile de yazılabilir.",
                "A Turkish mobile number: 5XX XXX XX XX, also with 0 or +90 in front."
            )
        case .searchButton: ("Sorgula", "Look up")
        case .searchListed: ("Engelli: bu numaraya gönderim yapılmaz.", "Listed: messages to it are blocked.")
        case .searchNotListed: ("Listede değil.", "Not listed.")
        case .reasonLabel: ("Neden (isteğe bağlı)", "Reason (optional)")
        case .reasonHint: ("En çok 256 karakter.", "At most 256 characters.")
        case .untilLabel: ("Bitiş (isteğe bağlı)", "Until (optional)")
        case .untilHint:
            (
                "YYYY-MM-DD HH:MM:SS, Türkiye saati; boş bırakılırsa süresiz. Yeniden ekleme bir engeli kısaltmaz.",
                "YYYY-MM-DD HH:MM:SS, Turkey time; empty means forever. Adding again never shortens a block."
            )
        case .addHeading: ("Numara engelle", "Block a number")
        case .addButton: ("Engelle", "Block")
        case .removeHeading: ("Engeli kaldır", "Unblock a number")
        case .removeButton: ("Engeli kaldır", "Unblock")
        case .importFileLabel: ("CSV dosyası", "CSV file")
        case .importFileHint:
            (
                "Her satırda bir numara, ya da number (numara, telefon, gsm) başlıklı bir sütunu olan CSV.",
                "One number per line, or CSV with a column headed number (or numara, phone, gsm)."
            )
        case .importLimit: ("En çok {size}.", "At most {size}.")
        case .importCheckButton: ("Dosyayı denetle", "Check the file")
        case .importReportTitle: ("İçe aktarma denetimi", "Import check")
        case .importValid: ("Eklenecek numara", "Numbers to block")
        case .importInvalid: ("Numara olmayan satır", "Lines that are not numbers")
        case .importDuplicates: ("Yinelenen satır", "Repeated lines")
        case .importReasonHint:
            (
                "Her eklenen numaraya yazılır; en çok 256 karakter.",
                "Recorded with every number added; at most 256 characters."
            )
        case .importApplyButton: ("{count} numarayı engelle", "Block {count} numbers")
        case .importAnotherFile: ("Başka bir dosya yükle", "Upload another file")
        case .importNothingToApply: ("Bu dosyada eklenecek numara yok.", "This file holds no number to block.")
        case .importProblemsHeading: ("Alınmayacak satırlar", "Lines left out")
        case .importProblemNotANumber: ("Türk cep numarası değil", "Not a Turkish mobile number")
        case .importProblemDuplicate: ("{line}. satırla aynı numara", "Same number as line {line}")
        case .importProblemsNotShown:
            ("…ve gösterilmeyen {count} sorunlu satır daha.", "…and {count} more lines with problems, not shown.")
        case .importJobTitle: ("İçe aktarma", "Import")
        case .importRunning: ("Sürüyor…", "Running…")
        case .importDone: ("Tamamlandı.", "Done.")
        case .importFailed:
            ("Durdu. O ana kadar eklenen numaralar listede kalır.", "Stopped. Numbers added until then stay listed.")
        case .importProgress: ("İlerleme", "Progress")
        case .importProgressText:
            ("{total} numaradan {processed} tanesi işlendi", "{processed} of {total} numbers processed")
        case .importAdded: ("Yeni engellenen", "Newly blocked")
        case .importAlreadyListed: ("Zaten listede", "Already listed")
        case .importRefreshing: ("Bu sayfa her saniye yenilenir.", "This page reloads every second.")
        case .importRefreshNow: ("Şimdi yenile", "Reload now")
        case .sizeBytes: ("{bytes} bayt", "{bytes} bytes")
        case .sizeMebibytes: ("{mebibytes} MiB ({bytes} bayt)", "{mebibytes} MiB ({bytes} bytes)")
        case .exportListHeading: ("Liste", "The list")
        case .exportListButton: ("Listeyi CSV olarak indir", "Download the list as CSV")
        case .exportListHint:
            ("Tarihleri boş bırakırsanız listenin tamamı iner.", "Leave the dates empty for the whole list.")
        case .exportChangesHeading: ("Değişiklik kaydı", "The change log")
        case .exportChangesButton: ("Değişiklik kaydını CSV olarak indir", "Download the change log as CSV")
        case .exportChangesHint:
            ("Kayıtta tutulan her değişiklik, en eskiden en yeniye.", "Every change the log keeps, oldest first.")
        case .exportFormatHint:
            (
                "CSV dosyaları UTF-8, başlık satırlı; saatler Türkiye saati, numaralar +905XXXXXXXXX biçimindedir.",
                "The CSV files are UTF-8 with a header line; times are Turkey time, numbers +905XXXXXXXXX."
            )
        case .changeLogTableLabel: ("Değişiklikler", "Changes")
        case .changeLogEmpty: ("Burada gösterilecek değişiklik yok.", "No changes to show here.")
        case .changeLogOlder: ("Daha eski", "Older")
        case .changeLogNewer: ("Daha yeni", "Newer")
        case .changeLogPruned:
            (
                "Kayıt {seq}. sıradan başlıyor: daha eski kayıtlar silindi.",
                "The log starts at seq {seq}: older records were pruned."
            )
        case .auditTableLabel: ("Hesap kaydı", "Audit log")
        case .auditEmpty: ("Hesap kaydı boş.", "The audit log is empty.")
        case .auditHint:
            (
                "Hesaba yapılan değişiklikler; numara ya da kimlik bilgisi hiçbir zaman yazılmaz.",
                "Changes to the account; never a number or a credential."
            )
        case .apiKeyLabel: ("API anahtarı", "API key")
        case .apiAccessLabel: ("API erişimi", "API access")
        case .apiAccessOn: ("açık", "on")
        case .apiAccessOff: ("kapalı", "off")
        case .apiAccessHint:
            ("Kapalıyken her API isteği 401 ile yanıtlanır.", "While it is off every API request answers 401.")
        case .apiAccessTurnOn: ("API erişimini aç", "Switch API access on")
        case .apiAccessTurnOff: ("API erişimini kapat", "Switch API access off")
        case .rotateHeading: ("Hash'i yenile", "Rotate the hash")
        case .rotateWarning:
            (
                "Aynı anahtar için yeni bir gizli anahtar ve hash üretilir. Eski hash hemen çalışmaz olur: onu "
                    + "kullanan istemciler güncellenene kadar 401 alır.",
                "A new secret and hash are issued for the same key. The old hash stops working at once: clients "
                    + "using it get 401 until they are updated."
            )
        case .rotateConfirm:
            (
                "Eski hash'in hemen çalışmaz olacağını anlıyorum.",
                "I understand that the old hash stops working at once."
            )
        case .rotateButton: ("Yeni hash üret", "Issue a new hash")
        case .newHashTitle: ("Yeni kimlik bilgileri", "New credentials")
        case .shownOnce: ("Yalnızca şimdi gösteriliyor.", "Shown only now.")
        case .newHashWarning:
            (
                "Engel hash'in kendisini değil yalnızca özetini saklar, bu yüzden bunları bir daha gösteremez. "
                    + "Eski hash artık çalışmıyor.",
                "Engel keeps a digest of the hash, never the hash itself, so it cannot show them again. "
                    + "The old hash no longer works."
            )
        case .newHashClients:
            (
                "İstemciler anahtarı ve hash'i gönderir (ya da hash'i gizli anahtardan türetir).",
                "Clients send the key and the hash (or derive the hash from the secret)."
            )
        case .secretLabel: ("Gizli anahtar", "Secret")
        case .hashLabel: ("Hash", "Hash")
        case .backToAPIAccess: ("API erişimine dön", "Back to API access")
        case .webhooksHint:
            (
                "Webhook, hesabın değişikliklerini oldukları anda bir adrese POST eder.",
                "A webhook posts the account's changes to an address as they happen."
            )
        case .webhooksEmpty: ("Webhook yok.", "No webhooks.")
        case .removeWebhookButton: ("Kaldır", "Remove")
        case .removeWebhookLabel: ("{id} numaralı webhook'u kaldır", "Remove webhook {id}")
        case .webhookAddHeading: ("Webhook ekle", "Add a webhook")
        case .webhookAddButton: ("Ekle", "Add")
        case .webhookCreatedTitle: ("Webhook eklendi", "Webhook added")
        case .webhookSecretWarning:
            (
                "Alıcılar her gönderimin Engel-Signature başlığını bu gizli anahtarla doğrular. Gönderimler "
                    + "bundan sonra yapılan değişiklikleri taşır.",
                "Receivers check each delivery's Engel-Signature with this secret. Deliveries carry the changes "
                    + "made from now on."
            )
        case .backToWebhooks: ("Webhook'lara dön", "Back to webhooks")
        case .usersEmpty: ("Panel kullanıcısı yok.", "No panel users.")
        case .userActiveState: ("etkin", "active")
        case .userDisabledState: ("devre dışı", "disabled")
        case .enableUserButton: ("Etkinleştir", "Enable")
        case .disableUserButton: ("Devre dışı bırak", "Disable")
        case .newPasswordLabel: ("Yeni parola", "New password")
        case .newPasswordFor: ("{user} için yeni parola", "New password for {user}")
        case .resetPasswordButton: ("Parolayı değiştir", "Set password")
        case .deleteUserButton: ("Sil", "Delete")
        case .userCreateHeading: ("Kullanıcı ekle", "Add a user")
        case .userCreateButton: ("Kullanıcıyı ekle", "Add the user")
        case .noAccountOption: ("— yok (yönetici)", "— none (admin)")
        case .userAccountHint:
            (
                "Yönetici olmayan kullanıcılar yalnızca bu hesapta çalışır.",
                "Users other than admins work on this account only."
            )
        case .accountsEmpty:
            (
                "Hesap yok. engel account create AD ile oluşturun.",
                "No accounts. Create one with engel account create NAME."
            )
        case .currentAccount: ("şu anki hesap", "current account")
        case .chooseAccountButton: ("Bu hesapla çalış", "Work on this account")
        case .forbiddenTitle: ("İzin yok", "Not allowed")
        case .forbiddenMessage: ("Rolünüz bunu yapamaz.", "Your role may not do this.")
        case .notFoundTitle: ("Bulunamadı", "Not found")
        case .notFoundMessage: ("Böyle bir sayfa yok.", "There is no such page.")
        case .failureTitle: ("Bir şey ters gitti", "Something went wrong")
        case .failureMessage:
            (
                "İstek tamamlanamadı. Hiçbir şey değişmemiş olabilir; yeniden deneyin.",
                "The request could not be completed. Nothing may have changed; try again."
            )
        case .errorDetail: ("İstek kimliği", "Request ID")
        case .backToPanel: ("Panele dön", "Back to the panel")
        case .flashAdded: ("{number} engellendi.", "{number} is now blocked.")
        case .flashAlreadyListed:
            (
                "{number} zaten engelliydi; eklenme zamanı korundu.",
                "{number} was already blocked; its added-at time is kept."
            )
        case .flashRemoved: ("{number} numarasının engeli kaldırıldı.", "{number} is no longer blocked.")
        case .flashNotListed: ("{number} listede değil.", "{number} is not listed.")
        case .flashInvalidNumber:
            (
                "Hatalı numara: “{input}” bir Türk cep numarası değil.",
                "Invalid number: “{input}” is not a Turkish mobile number."
            )
        case .flashInvalidReason:
            (
                "Neden en çok 256 karakter olabilir ve kontrol karakteri içeremez.",
                "A reason may have at most 256 characters and no control characters."
            )
        case .flashInvalidUntil:
            (
                "Bitiş “{input}” kabul edilmedi: YYYY-MM-DD HH:MM:SS biçiminde, şu andan sonraki bir Türkiye saati olmalı.",
                "The end “{input}” was not accepted: it must be a Turkey time after now, as YYYY-MM-DD HH:MM:SS."
            )
        case .flashInvalidDate:
            (
                "“{input}” bir tarih değil: YYYY-MM-DD HH:MM:SS biçiminde yazın.",
                "“{input}” is not a date: write YYYY-MM-DD HH:MM:SS."
            )
        case .flashAPIOn: ("API erişimi açıldı.", "API access is on.")
        case .flashAPIOff:
            ("API erişimi kapatıldı: API istekleri 401 alır.", "API access is off: API requests answer 401.")
        case .flashRotationNotConfirmed:
            ("Hash yenilenmedi: önce onay kutusunu işaretleyin.", "The hash was not rotated: tick the box first.")
        case .flashWebhookRemoved: ("{id} numaralı webhook kaldırıldı.", "Webhook {id} was removed.")
        case .flashInvalidWebhookURL:
            ("“{input}” bir http ya da https adresi değil.", "“{input}” is not an http or https address.")
        case .flashUserCreated: ("{user} eklendi.", "{user} was added.")
        case .flashUserDisabled: ("{user} devre dışı bırakıldı.", "{user} was disabled.")
        case .flashUserEnabled: ("{user} etkinleştirildi.", "{user} was enabled.")
        case .flashPasswordReset: ("{user} kullanıcısının parolası değiştirildi.", "{user}'s password was set.")
        case .flashUserDeleted: ("{user} silindi.", "{user} was deleted.")
        case .flashInvalidUser: ("Kullanıcı eklenemedi: {detail}", "The user was not added: {detail}")
        case .flashAccountChosen: ("Artık {account} hesabında çalışıyorsunuz.", "You are now working on {account}.")
        case .flashImportTooLarge: ("Dosya çok büyük: en çok {size}.", "The file is too large: at most {size}.")
        case .flashImportEmpty: ("Dosya boş.", "The file is empty.")
        case .flashImportExpired:
            (
                "Bu denetim artık geçerli değil; dosyayı yeniden yükleyin.",
                "This check has expired; upload the file again."
            )
        case .flashFormExpired:
            (
                "Form zaman aşımına uğradı; sayfayı yenileyip yeniden deneyin.",
                "The form expired; reload the page and try again."
            )
        case .flashFailed: ("İşlem tamamlanamadı.", "The action could not be completed.")
        case .flashWebhookNotFound:
            ("Bu hesabın “{id}” numaralı webhook'u yok.", "This account has no webhook “{id}”.")
        case .flashInvalidUserName:
            (
                "“{input}” kullanıcı adı olamaz: 1–64 küçük harf, rakam, '.', '_' ya da '-' kullanın.",
                "“{input}” cannot be a user name: use 1 to 64 lowercase letters, digits, '.', '_' or '-'."
            )
        case .flashPasswordTooShort:
            ("Parola en az {count} karakter olmalı.", "The password must have at least {count} characters.")
        case .flashPasswordUnusable:
            (
                "Parola en çok {bytes} bayt olabilir ve sekme, satır sonu gibi kontrol karakterleri içeremez.",
                "The password may have at most {bytes} bytes and no control characters (a tab, a newline)."
            )
        case .flashInvalidRole:
            (
                "İzleyici ve operatör için bir hesap seçin; yönetici için hiçbirini.",
                "Choose an account for a viewer or an operator, and none for an admin."
            )
        case .flashUnknownAccount: ("“{account}” adında bir hesap yok.", "There is no account named “{account}”.")
        case .flashUserExists:
            ("“{user}” adında bir panel kullanıcısı zaten var.", "A panel user named “{user}” exists already.")
        case .flashUserNotFound:
            ("“{user}” adında bir panel kullanıcısı yok.", "There is no panel user named “{user}”.")
        case .flashCannotRemoveYourself:
            (
                "Kendi kullanıcınızı devre dışı bırakamaz ya da silemezsiniz; bunu başka bir yönetici yapmalı.",
                "You cannot disable or delete the user you are signed in as; another admin must do it."
            )
        }
    }
}
