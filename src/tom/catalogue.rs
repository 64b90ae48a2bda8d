//! The measures of the TOM, one constant each (a flat table). Ids that
//! TOM.md writes out are kept verbatim; the measures it lists without an id
//! got one here, in the same shape, and are named in
//! [`ASSIGNED_HERE`](super::ASSIGNED_HERE); the lists are in `lists.rs`.
//!
//! Titles are one line each, shortened from TOM.md (an English summary of
//! the customer's German document of 2024-12-20).

use super::Kind::{Organisational as O, Provider as P, Technical, TechnicalAndOrganisational};
use super::Reach::{Application, Checked, NotYet, Organisational, Provider};
use super::Tom;

use super::sections::*;

/// 1.1 Physical access control: data centres: alarms, identity checks and logging at entry, cameras, staff on site.
pub const DATACENTRE_ACCESS: &Tom = &Tom {
    id: "TOM-1.1-datacentre-access",
    section: S1_1,
    title: "data centres: alarms, identity checks and logging at entry, cameras, staff on site",
    kind: P,
    how: Provider("Telekom's and Hetzner's data centres and their certifications; harden cannot observe a building."),
};
/// 1.1 Physical access control: office: locks, documented key handover, no customer data on stationary machines.
pub const OFFICE_ACCESS: &Tom = &Tom {
    id: "TOM-1.1-office-access",
    section: S1_1,
    title: "office: locks, documented key handover, no customer data on stationary machines",
    kind: O,
    how: Organisational("locks and key handover in the office; no managed host is involved."),
};
/// 1.2 System access control: all non-public services require an individual user name and password.
pub const AUTH: &Tom = &Tom {
    id: "TOM-1.2-auth",
    section: S1_2,
    title: "all non-public services require an individual user name and password",
    kind: Technical,
    how: Application("which services need a user name and password is the application's; harden covers SSH logins (TOM-1.2-critical-login) and the open ports (TOM-1.2-ports)."),
};
/// 1.2 System access control: critical services only with user name + certificate (or password + second factor), over secured connections.
pub const CRITICAL_LOGIN: &Tom = &Tom {
    id: "TOM-1.2-critical-login",
    section: S1_2,
    title: "critical services only with user name + certificate (or password + second factor), over secured connections",
    kind: Technical,
    how: Checked("sshd is rendered and read back to accept public keys and certificates only, over post-quantum key exchange; ssh-ca signs the users' certificates; passwords reports harden's managed accounts as password-locked."),
};
/// 1.2 System access control: no external access to the office network.
pub const NO_OFFICE_INGRESS: &Tom = &Tom {
    id: "TOM-1.2-no-office-ingress",
    section: S1_2,
    title: "no external access to the office network",
    kind: O,
    how: Organisational("the office network is not in the inventory; harden manages servers only."),
};
/// 1.2 System access control: staff devices fully encrypted, remote wipe for phones.
pub const DEVICE_ENCRYPTION: &Tom = &Tom {
    id: "TOM-1.2-device-encryption",
    section: S1_2,
    title: "staff devices fully encrypted, remote wipe for phones",
    kind: O,
    how: Organisational("staff laptops and phones are not managed hosts (device management)."),
};
/// 1.2 System access control: the disks of the data-holding systems at Telekom are encrypted.
pub const DISK_ENCRYPTION: &Tom = &Tom {
    id: "TOM-1.2-disk-encryption",
    section: S1_2,
    title: "the disks of the data-holding systems at Telekom are encrypted",
    kind: Technical,
    how: Checked("disks reads each declared data volume's LUKS2 header and dm-crypt mapping, evs the OTC volume's encryption flag and its KMS key's state; policy rules keep data hosts at Telekom with declared disks and gatekeepers free of data."),
};
/// 1.2 System access control: staff computers get security updates promptly.
pub const STAFF_UPDATES: &Tom = &Tom {
    id: "TOM-1.2-staff-updates",
    section: S1_2,
    title: "staff computers get security updates promptly",
    kind: O,
    how: Organisational("staff computers are not managed hosts."),
};
/// 1.2 System access control: systems reachable from outside only on technically necessary ports.
pub const PORTS: &Tom = &Tom {
    id: "TOM-1.2-ports",
    section: S1_2,
    title: "systems reachable from outside only on technically necessary ports",
    kind: Technical,
    how: Checked("firewall loads nftables with only the declared ports (plus the gatekeepers' derived ones) and reads the ruleset and listening sockets back; policy rules refuse data hosts open to anyone and warn about other public ports."),
};
/// 1.2 System access control: management ports opened only for the time of administration (maintenance).
pub const MGMT_WINDOW: &Tom = &Tom {
    id: "TOM-1.2-mgmt-window",
    section: S1_2,
    title: "management ports opened only for the time of administration (maintenance)",
    kind: Technical,
    how: Checked("the SSH port is open permanently only to controller_sources; `harden maintenance` opens it to people with a timeout (also in the provider firewalls), and drift names an element without one or outside management_sources."),
};
/// 1.3 Data access control: users and their rights managed centrally, activated and blocked.
pub const CENTRAL_USERS: &Tom = &Tom {
    id: "TOM-1.3-central-users",
    section: S1_3,
    title: "users and their rights managed centrally, activated and blocked",
    kind: Technical,
    how: Checked("accounts creates, updates and blocks the inventory's users on every host they may use; ssh-ca signs and revokes their certificates and sshd trusts only that CA."),
};
/// 1.3 Data access control: only management may access data-holding systems.
pub const DATA_HOSTS_MANAGEMENT_ONLY: &Tom = &Tom {
    id: "TOM-1.3-data-hosts-management-only",
    section: S1_3,
    title: "only management may access data-holding systems",
    kind: Technical,
    how: Checked("only management users are admitted to data hosts whatever [access] says, and pol-data-host-non-management refuses an inventory that says otherwise."),
};
/// 1.3 Data access control: users on security-relevant systems administered only by management.
pub const USER_ADMIN: &Tom = &Tom {
    id: "TOM-1.3-user-admin",
    section: S1_3,
    title: "users on security-relevant systems administered only by management",
    kind: TechnicalAndOrganisational,
    how: Organisational("the inventory is the one place users are administered; who may change it (repository rights, review) is organisational."),
};
/// 1.3 Data access control: passwords at least 12 characters, at least 30 on data-holding systems.
pub const PASSWORD_LENGTH: &Tom = &Tom {
    id: "TOM-1.3-password-length",
    section: S1_3,
    title: "passwords at least 12 characters, at least 30 on data-holding systems",
    kind: Technical,
    how: Checked("passwords sets pwquality minlen 12 (30 on data hosts) and enforce_for_root key by key, and reports whether libpam-pwquality is installed and in the PAM stack; pol-pass-length refuses a looser inventory."),
};
/// 1.3 Data access control: passwords only from a random generator (generator technical, practice organisational).
pub const PASSWORD_RANDOM: &Tom = &Tom {
    id: "TOM-1.3-password-random",
    section: S1_3,
    title: "passwords only from a random generator (generator technical, practice organisational)",
    kind: TechnicalAndOrganisational,
    how: Checked("`harden passwd generate` makes passwords of the host's length from the OS's secure random source; that people use it is organisational."),
};
/// 1.3 Data access control: passwords changed at least every 3 months.
pub const PASSWORD_ROTATION: &Tom = &Tom {
    id: "TOM-1.3-password-rotation",
    section: S1_3,
    title: "passwords changed at least every 3 months",
    kind: Technical,
    how: Checked("passwords sets PASS_MAX_DAYS 90 or less and each account's shadow maximum age, and names every account whose password is older; pol-pass-* refuse looser settings, pol-pass-undeclared warns about unmanaged hosts."),
};
/// 1.3 Data access control: shredder for documents and media.
pub const SHREDDING: &Tom = &Tom {
    id: "TOM-1.3-shredding",
    section: S1_3,
    title: "shredder for documents and media",
    kind: O,
    how: Organisational("paper and media are destroyed by people, not by servers."),
};
/// 1.3 Data access control: access to data-holding systems and firewall changes logged and reported to management automatically.
pub const ACCESS_REPORTING: &Tom = &Tom {
    id: "TOM-1.3-access-reporting",
    section: S1_3,
    title: "access to data-holding systems and firewall changes logged and reported to management automatically",
    kind: Technical,
    how: Checked("every change harden makes (firewalls included) is written to the hash-chained audit log and sent to management by the webhook; logins to data hosts are logged on the host by sshd (TOM-2.1-access-logging), not forwarded by harden."),
};
/// 1.4 Separation control: customer projects on their own servers where required.
pub const DEDICATED_SERVERS: &Tom = &Tom {
    id: "TOM-1.4-dedicated-servers",
    section: S1_4,
    title: "customer projects on their own servers where required",
    kind: Technical,
    how: Checked("policy rules refuse a host that accepts a host of another tenant (by name or prefix, in `allow` or a gatekeeper's `sources`), a gatekeeper fronting another tenant and a tenant-less host serving two tenants."),
};
/// 1.4 Separation control: production and test systems run separately.
pub const PROD_TEST: &Tom = &Tom {
    id: "TOM-1.4-prod-test",
    section: S1_4,
    title: "production and test systems run separately",
    kind: Technical,
    how: Checked("policy rules refuse an allow path between production and test (by name or prefix, in `allow` or a gatekeeper's `sources`), a gatekeeper fronting the other environment and a provider project both share."),
};
/// 1.4 Separation control: products separate tenants logically (the application's, outside harden).
pub const MULTI_TENANT: &Tom = &Tom {
    id: "TOM-1.4-multi-tenant",
    section: S1_4,
    title: "products separate tenants logically (the application's, outside harden)",
    kind: O,
    how: Application("tenants inside one product are separated by the application, whose data harden does not see."),
};
/// 1.5 Pseudonymisation: data passed to third parties pseudonymised and encrypted (the application's).
pub const PSEUDONYMISATION: &Tom = &Tom {
    id: "TOM-1.5-pseudonymisation",
    section: S1_5,
    title: "data passed to third parties pseudonymised and encrypted (the application's)",
    kind: O,
    how: Application(
        "what data goes to third parties, and in what form, is decided by the application.",
    ),
};
/// 2.1 Transfer control: data only transferred encrypted (SSH, SSL/TLS, VPN).
pub const TRANSPORT_ENCRYPTION: &Tom = &Tom {
    id: "TOM-2.1-transport-encryption",
    section: S2_1,
    title: "data only transferred encrypted (SSH, SSL/TLS, VPN)",
    kind: Technical,
    how: Checked("sshd offers modern ciphers and key exchange only; the gatekeeper forwards TLS only (passthrough, or re-encrypted to verified backend certificates); pol-gk-plaintext refuses plaintext modes, pol-plaintext-port warns about plaintext ports."),
};
/// 2.1 Transfer control: test data pseudonymised before it reaches a test system (the application's).
pub const TEST_DATA_PSEUDONYMISED: &Tom = &Tom {
    id: "TOM-2.1-test-data-pseudonymised",
    section: S2_1,
    title: "test data pseudonymised before it reaches a test system (the application's)",
    kind: O,
    how: Application("which data is copied into test systems is the application's and the team's."),
};
/// 2.1 Transfer control: access to systems other than through the application is logged.
pub const ACCESS_LOGGING: &Tom = &Tom {
    id: "TOM-2.1-access-logging",
    section: S2_1,
    title: "access to systems other than through the application is logged",
    kind: Technical,
    how: Checked("sshd is rendered and read back with LogLevel VERBOSE, so each login and its key fingerprint is logged on the host."),
};
/// 2.2 Input control: backup files deleted after the customer's period, by default 14 days (see 3.2).
pub const BACKUP_DELETION: &Tom = &Tom {
    id: "TOM-2.2-backup-deletion",
    section: S2_2,
    title: "backup files deleted after the customer's period, by default 14 days (see 3.2)",
    kind: Technical,
    how: NotYet(
        "backups are not in harden's scope yet: no control reads the backup jobs or their expiry.",
    ),
};
/// 3.1 Availability: power, climate, fire detection and suppression, spare hardware.
pub const DATACENTRE_AVAILABILITY: &Tom = &Tom {
    id: "TOM-3.1-datacentre-availability",
    section: S3_1,
    title: "power, climate, fire detection and suppression, spare hardware",
    kind: P,
    how: Provider("power, climate and fire protection are the data centres'."),
};
/// 3.2 Recoverability: nightly full backup of all data as disk images.
pub const BACKUP_NIGHTLY: &Tom = &Tom {
    id: "TOM-3.2-backup-nightly",
    section: S3_2,
    title: "nightly full backup of all data as disk images",
    kind: Technical,
    how: NotYet("backups are not in harden's scope yet: no control reads the provider's snapshot or backup policies."),
};
/// 3.2 Recoverability: backups kept 14 days, then deleted irrevocably.
pub const BACKUP_RETENTION: &Tom = &Tom {
    id: "TOM-3.2-backup-retention",
    section: S3_2,
    title: "backups kept 14 days, then deleted irrevocably",
    kind: Technical,
    how: NotYet("backups are not in harden's scope yet: the 14-day retention is not read."),
};
/// 3.2 Recoverability: backups separate from operation, encrypted, moved over encrypted connections, management access only.
pub const BACKUP_SEPARATE: &Tom = &Tom {
    id: "TOM-3.2-backup-separate",
    section: S3_2,
    title: "backups separate from operation, encrypted, moved over encrypted connections, management access only",
    kind: Technical,
    how: NotYet("backups are not in harden's scope yet: where they are stored and who may read them is not read."),
};
/// 3.2 Recoverability: the daily backup is monitored; failures notify management at once.
pub const BACKUP_MONITORING: &Tom = &Tom {
    id: "TOM-3.2-backup-monitoring",
    section: S3_2,
    title: "the daily backup is monitored; failures notify management at once",
    kind: Technical,
    how: NotYet(
        "backups are not in harden's scope yet: their monitoring belongs to the backup system.",
    ),
};
/// 3.2 Recoverability: deletion rules re-applied before a restored backup goes live.
pub const RESTORE_DELETION: &Tom = &Tom {
    id: "TOM-3.2-restore-deletion",
    section: S3_2,
    title: "deletion rules re-applied before a restored backup goes live",
    kind: TechnicalAndOrganisational,
    how: Organisational("a restore is a procedure: re-applying the deletion rules before it goes live is done by people and the application."),
};
/// 3.2 Recoverability: office data backed up twice a week, encrypted, on separate media.
pub const OFFICE_BACKUP: &Tom = &Tom {
    id: "TOM-3.2-office-backup",
    section: S3_2,
    title: "office data backed up twice a week, encrypted, on separate media",
    kind: O,
    how: Organisational("office data is not on managed hosts."),
};
/// 4 Regular review: measures reviewed, assessed and evaluated regularly (nightly drift and evidence report; certificates, contracts).
pub const REVIEW: &Tom = &Tom {
    id: "TOM-4-review",
    section: S4,
    title: "measures reviewed, assessed and evaluated regularly (nightly drift and evidence report; certificates, contracts)",
    kind: TechnicalAndOrganisational,
    how: Checked("the nightly `harden drift` run (docs/ci.md) re-checks every technical measure and fails the job on drift, its output the dated evidence; assessing and evaluating the measures stays organisational."),
};
/// 5 Data protection management: confidentiality agreements, instruction and training of anyone with access.
pub const DATA_PROTECTION_MANAGEMENT: &Tom = &Tom {
    id: "TOM-5-data-protection-management",
    section: S5,
    title: "confidentiality agreements, instruction and training of anyone with access",
    kind: O,
    how: Checked("agreements and training are organisational; banner shows the confidentiality notice at every SSH login, a reminder rather than proof."),
};
/// 6 Incident response: all systems behind the firewall provided by Telekom or Hetzner.
pub const PROVIDER_FIREWALL: &Tom = &Tom {
    id: "TOM-6-provider-firewall",
    section: S6,
    title: "all systems behind the firewall provided by Telekom or Hetzner",
    kind: Technical,
    how: Checked("cloud maps each host to its server at its provider; hcloud-firewall and otc-secgroup render the provider's firewall with the host's ports and read it back."),
};
/// 6 Incident response: anti-DDoS protection.
pub const ANTI_DDOS: &Tom = &Tom {
    id: "TOM-6-anti-ddos",
    section: S6,
    title: "anti-DDoS protection",
    kind: P,
    how: Provider("anti-DDoS is the providers' network service."),
};
/// 6 Incident response: access to management ports reported to management immediately.
pub const MGMT_ACCESS_REPORT: &Tom = &Tom {
    id: "TOM-6-mgmt-access-report",
    section: S6,
    title: "access to management ports reported to management immediately",
    kind: Technical,
    how: Checked("every maintenance window harden opens is written to the audit log and sent to management by the webhook at once (queued and retried when the endpoint is down); outside a window the port is closed to people (TOM-1.2-mgmt-window)."),
};
/// 6 Incident response: incidents go to lawyers, forensics and authorities through a cyber insurance, documented.
pub const INCIDENT_HANDLING: &Tom = &Tom {
    id: "TOM-6-incident-handling",
    section: S6,
    title:
        "incidents go to lawyers, forensics and authorities through a cyber insurance, documented",
    kind: O,
    how: Organisational(
        "incidents go to lawyers, forensics and authorities through the insurance.",
    ),
};
/// 7 Privacy by default and order control: a role concept restricts data access and user rights; rights follow roles automatically.
pub const ROLE_CONCEPT: &Tom = &Tom {
    id: "TOM-7-role-concept",
    section: S7,
    title:
        "a role concept restricts data access and user rights; rights follow roles automatically",
    kind: Technical,
    how: Organisational("the user roles and [access] decide who logs in where (TOM-1.3-central-users), but the concept of data access and user rights inside the applications is written and kept by people."),
};
/// 7 Privacy by default and order control: only company-owned, encrypted devices with user name and password.
pub const COMPANY_DEVICES: &Tom = &Tom {
    id: "TOM-7-company-devices",
    section: S7,
    title: "only company-owned, encrypted devices with user name and password",
    kind: O,
    how: Organisational("staff devices are not managed hosts."),
};
/// 7 Privacy by default and order control: only data needed for the contract or for operation is collected.
pub const DATA_MINIMISATION: &Tom = &Tom {
    id: "TOM-7-data-minimisation",
    section: S7,
    title: "only data needed for the contract or for operation is collected",
    kind: O,
    how: Application("which data is collected is decided by the contract and the application."),
};
/// 7 Privacy by default and order control: staff work only as instructed, under written confidentiality.
pub const INSTRUCTED_STAFF: &Tom = &Tom {
    id: "TOM-7-instructed-staff",
    section: S7,
    title: "staff work only as instructed, under written confidentiality",
    kind: O,
    how: Organisational("instructions and written confidentiality."),
};
