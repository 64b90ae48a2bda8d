//! The disks control offline, fed with facts in the shape the probes
//! return them: LUKS headers captured with cryptsetup 2.6.1 on Debian 12
//! (`tests/fixtures/facts/debian12/luks/`). This kernel has no
//! device-mapper, so no mapping can be opened here: the crypt-mapping and
//! mount checks read `lsblk/crypt-mounted-edited.json`, a real Debian 12
//! lsblk capture's format with a `crypt` child added as lsblk(8) prints
//! one (research §2.2), not a capture of an opened mapping.

use std::path::Path;

use super::*;
use crate::contract::kinds::{Kind, LuksDump};
use crate::contract::{Change, CmdFact};
use crate::controls::sections::sections;
use crate::inventory::{load_str, Inventory};
use crate::report::model::{Fix, Status};

macro_rules! fx {
    ($p:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/facts/debian12/",
            $p
        ))
    };
}

const HEAD: &str =
    "[defaults]\ncontroller_sources = [\"10.213.0.2\"]\nknown_hosts = \"known_hosts\"\n";
const UUID: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

fn inv(disks: &str) -> Inventory {
    let t = format!("{HEAD}\n[[hosts]]\nname = \"db-1\"\naddress = \"10.0.0.1\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"data\"]\ndisks = [{disks}]\n");
    load_str(Path::new("/x/inv.toml"), t, sections()).expect("loads")
}

fn by_uuid(mount: &str) -> String {
    format!("{{ device = \"UUID={UUID}\", name = \"data\", mount = \"{mount}\", fs = \"ext4\", key = \"prompt\" }}")
}

fn cmd(out: &str) -> CmdFact {
    CmdFact {
        rc: 0,
        stdout: out.into(),
        stderr: String::new(),
    }
}

/// Facts of a host whose declared UUID resolves to /dev/vdb.
fn facts(inv: &Inventory, luks: &str, swaps: &str) -> Facts {
    let s = inv.hosts[0].settings::<DiskSettings>();
    let mut f = Facts::default();
    f.set_cmd(
        &BlockDevices.id(),
        cmd(fx!("lsblk/crypt-mounted-edited.json")),
    );
    let dev = s
        .disks
        .iter()
        .map(|d| format!("{} /dev/vdb\n", declared(&d.device)))
        .collect::<String>();
    f.set_cmd(&host_kind(s).id(), cmd(&format!("@@swaps\nFilename\tType\tSize\tUsed\tPriority\n{swaps}@@dm\ndm-0 CRYPT-LUKS2-{}-data\n@@dev\n{dev}", UUID.replace('-', ""))));
    for d in &s.disks {
        let k = verify_luks::probe_kind("/dev/vdb").expect("kind");
        let _ = d;
        f.set_cmd(&k.id(), cmd(luks));
    }
    f
}

fn plan(inv: &Inventory, f: &Facts) -> Plan {
    Disks
        .plan(&HostCtx::new(inv, &inv.hosts[0], None), f)
        .expect("plans")
}

fn finding<'p>(p: &'p Plan, check: &str) -> &'p crate::report::model::Finding {
    p.findings
        .iter()
        .find(|f| f.check == check)
        .unwrap_or_else(|| panic!("no {check}: {:#?}", p.findings))
}

#[test]
fn a_luks2_volume_at_the_floor_mounted_from_its_mapping_is_in_sync() {
    let inv = inv(&by_uuid("/srv/data"));
    let mut f = facts(&inv, fx!("luks/luks2-floor.out"), "");
    let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
    // The second phase reads the header of the node the UUID resolved to.
    let after = Disks.probes_after(&ctx, &f).expect("probes");
    assert_eq!(
        after,
        vec![Probe::kind(&LuksDump::new("/dev/vdb").expect("kind"))]
    );
    // Only the two file rows drift (both files lack them).
    let p = plan(&inv, &f);
    for c in [
        "luks-version",
        "luks-cipher",
        "luks-keyslot",
        "luks-reencrypt",
        "crypt-mount",
        "swap",
    ] {
        assert_eq!(
            finding(&p, c).status,
            Status::InSync,
            "{c}: {:?}",
            finding(&p, c)
        );
    }
    assert!(finding(&p, "luks-cipher")
        .actual
        .contains("aes-xts-plain64, 512-bit key"));
    assert!(finding(&p, "luks-keyslot")
        .actual
        .contains("argon2id, 262144 KiB, time 4"));
    assert!(finding(&p, "luks-version")
        .message
        .as_deref()
        .unwrap_or("")
        .contains("cryptsetup luksDump --dump-json-metadata /dev/vdb"));
    let drift: Vec<&str> = p
        .findings
        .iter()
        .filter(|x| x.status == Status::Drift)
        .map(|x| x.check)
        .collect();
    assert_eq!(drift, ["file-rows", "file-rows"]);
    // Other lines stay byte for byte; the rows are added under the marker.
    let crypttab = "# <target name>\t<source device>\t<key file>\t<options>\nswap_x  /dev/vda2  /dev/urandom  swap\n";
    let fstab = "UUID=5b4d1e0e-8a4f-4a8c-9a62-2f7f6c1d9a01 /  ext4  errors=remount-ro 0 1\n/dev/mapper/data /srv/data ext4 defaults 0 0\n";
    f.set_file(files::CRYPTTAB, crypttab, 0o644);
    f.set_file(files::FSTAB, fstab, 0o644);
    let p = plan(&inv, &f);
    let texts: Vec<String> = p
        .selected_changes()
        .iter()
        .filter_map(|c| match c {
            Change::Write(w) => Some(w.text()),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts[0],
        format!("{crypttab}# harden: managed keys\ndata UUID={UUID} none luks\n")
    );
    assert_eq!(texts[1], "UUID=5b4d1e0e-8a4f-4a8c-9a62-2f7f6c1d9a01 /  ext4  errors=remount-ro 0 1\n/dev/mapper/data /srv/data ext4 defaults,nofail 0 2\n");
    let rows = p
        .findings
        .iter()
        .filter(|x| x.check == "file-rows")
        .map(|x| x.actual.clone())
        .collect::<Vec<_>>();
    assert_eq!(rows[1], "/dev/mapper/data /srv/data ext4 defaults 0 0");
    assert!(p.activate.iter().any(|a| a.contains("daemon-reload")));
    // Written: nothing left to apply (a second apply changes nothing).
    f.set_file(files::CRYPTTAB, &texts[0], 0o644);
    f.set_file(files::FSTAB, &texts[1], 0o644);
    let p = plan(&inv, &f);
    assert!(!p.needs_apply(), "{:#?}", p.findings);
    assert!(
        p.findings.iter().all(|x| x.status == Status::InSync),
        "{:#?}",
        p.findings
    );
}

fn drift_of(luks: &str, check: &str) -> String {
    let inv = inv(&by_uuid("/srv/data"));
    let p = plan(&inv, &facts(&inv, luks, ""));
    let f = finding(&p, check);
    assert_eq!((f.status, &f.fix), (Status::Drift, &Fix::None), "{f:?}");
    assert_eq!(f.tom, "TOM-1.2-disk-encryption");
    assert!(
        !f.expected.is_empty()
            && f.message
                .as_deref()
                .unwrap_or("")
                .contains("read by `cryptsetup"),
        "{f:?}"
    );
    f.actual.clone()
}

#[test]
fn weak_headers_are_report_only_findings_naming_what_was_read() {
    assert_eq!(drift_of(fx!("luks/luks1.out"), "luks-version"), "LUKS1");
    let a = drift_of(fx!("luks/luks1.out"), "luks-keyslot");
    assert!(a.contains("pbkdf2"), "{a}");
    let a = drift_of(fx!("luks/luks2-cbc-256.out"), "luks-cipher");
    assert_eq!(
        a,
        "segment 0: cipher aes-cbc-essiv:sha256; segment 0: 256-bit key"
    );
    let a = drift_of(fx!("luks/luks2-argon2id-pbkdf2.out"), "luks-keyslot");
    assert!(
        a.contains("keyslot 0: memory 32768 KiB") && a.contains("keyslot 1: pbkdf2 (sha256"),
        "{a}"
    );
    let a = drift_of(fx!("luks/luks2-reencrypt-token.out"), "luks-reencrypt");
    assert!(a.contains("online-reencrypt"), "{a}");
    assert_eq!(
        drift_of(fx!("luks/not-luks.out"), "luks-version"),
        "no LUKS header: the device is not encrypted"
    );
    // A drive's own OPAL encryption alone (cryptsetup 2.7's `hw-opal`
    // segment; the floor capture with its segment type edited).
    let opal = fx!("luks/luks2-floor.out").replace("\"type\":\"crypt\"", "\"type\":\"hw-opal\"");
    let a = drift_of(&opal, "luks-cipher");
    assert!(
        a.contains("hw-opal (the drive's own OPAL encryption, no software encryption)"),
        "{a}"
    );
    // argon2i is weaker than argon2id.
    let i = fx!("luks/luks2-floor.out").replace("\"argon2id\"", "\"argon2i\"");
    assert!(drift_of(&i, "luks-keyslot").contains("argon2i"));
}

#[test]
fn a_mount_not_backed_by_a_mapping_of_exactly_that_device_is_a_finding() {
    // /srv/plain is a plain ext4 disk.
    let inv = inv(&by_uuid("/srv/plain"));
    let p = plan(&inv, &facts(&inv, fx!("luks/luks2-floor.out"), ""));
    let f = finding(&p, "crypt-mount");
    assert_eq!(f.status, Status::Drift);
    assert_eq!(
        f.actual,
        "/srv/plain mounted from /dev/vdc (TYPE disk), not a crypt mapping"
    );
    assert!(f.message.as_deref().unwrap_or("").contains("lsblk --json"));
    // Nothing mounted there.
    let inv2 = self::inv(&by_uuid("/srv/none"));
    let p = plan(&inv2, &facts(&inv2, fx!("luks/luks2-floor.out"), ""));
    assert_eq!(
        finding(&p, "crypt-mount").actual,
        "nothing is mounted at /srv/none"
    );
    // The mapping of another device: the declared device resolves to vdc.
    let mut f = facts(&inv2, fx!("luks/luks2-floor.out"), "");
    let s = inv.hosts[0].settings::<DiskSettings>();
    f.set_cmd(
        &host_kind(s).id(),
        cmd(&format!("@@swaps\n@@dm\n@@dev\nUUID={UUID} /dev/vdc\n")),
    );
    let inv3 = self::inv(&by_uuid("/srv/data"));
    let mut p = plan(&inv3, &f);
    let _ = &mut p;
    assert_eq!(
        finding(&p, "crypt-mount").actual,
        "/srv/data mounted from crypt mapping `data` of vdb, not of vdc"
    );
}

#[test]
fn a_missing_device_plain_swap_and_a_loose_key_file_are_findings() {
    let inv = inv(&by_uuid("/srv/data"));
    let s = inv.hosts[0].settings::<DiskSettings>();
    let mut f = facts(&inv, fx!("luks/luks2-floor.out"), "/dev/vda2\tpartition\t1048572\t0\t-2\n/dev/dm-0 partition 1 0 -3\n/dev/zram0 partition 1 0 100\n");
    let p = plan(&inv, &f);
    let sw = finding(&p, "swap");
    assert_eq!(sw.status, Status::Drift);
    assert_eq!(sw.actual, "/dev/vda2 (partition) is plain swap");
    // Encrypted and zram swap only: in sync, saying why.
    f = facts(
        &inv,
        fx!("luks/luks2-floor.out"),
        "/dev/dm-0 partition 1 0 -3\n/dev/zram0 partition 1 0 100\n",
    );
    let sw = finding(&plan(&inv, &f), "swap").clone();
    assert_eq!(sw.status, Status::InSync);
    assert_eq!(
        sw.actual,
        "/dev/dm-0 (dm-crypt, CRYPT-LUKS2); /dev/zram0 (zram, not disk-backed)"
    );
    // The device is gone: one finding, no header read.
    f.set_cmd(
        &host_kind(s).id(),
        cmd(&format!("@@swaps\n@@dm\n@@dev\nUUID={UUID} @@missing\n")),
    );
    let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
    assert!(Disks.probes_after(&ctx, &f).expect("probes").is_empty());
    let p = plan(&inv, &f);
    let m = finding(&p, "device-present");
    assert_eq!(
        (m.status, m.actual.as_str()),
        (
            Status::Drift,
            "`blkid -U` finds no device with UUID=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
        )
    );
    assert!(!p.findings.iter().any(|x| x.check == "luks-version"));
    // A key file readable by others.
    let inv = self::inv("{ device = \"/dev/disk/by-id/virtio-d\", name = \"data\", mount = \"/srv/data\", fs = \"ext4\", key = \"/etc/luks-keys/d.key\" }");
    let mut f = facts(&inv, fx!("luks/luks2-floor.out"), "");
    let k = FileStat::new("/etc/luks-keys/d.key").expect("kind");
    f.set_cmd(&k.id(), cmd("81a4 0 0 64 root root\n"));
    let key = finding(&plan(&inv, &f), "key-file").clone();
    assert_eq!(
        (key.status, key.actual.as_str()),
        (Status::Drift, "/etc/luks-keys/d.key: owner root, mode 0644")
    );
    f.set_cmd(&k.id(), cmd("8100 0 0 64 root root\n"));
    assert_eq!(finding(&plan(&inv, &f), "key-file").status, Status::InSync);
    // A stable path is read as declared (cryptsetup follows the link).
    let ctx = HostCtx::new(&inv, &inv.hosts[0], None);
    let s = inv.hosts[0].settings::<DiskSettings>();
    f.set_cmd(
        &host_kind(s).id(),
        cmd("@@swaps\n@@dm\n@@dev\n/dev/disk/by-id/virtio-d /dev/vdb\n"),
    );
    assert_eq!(
        Disks.probes_after(&ctx, &f).expect("p"),
        vec![Probe::kind(
            &LuksDump::new("/dev/disk/by-id/virtio-d").expect("k")
        )]
    );
}

#[test]
fn hostile_host_output_is_refused() {
    let k = DiskHost { devices: vec![] };
    let parse = |s: &str| {
        k.parse(&crate::contract::kinds::CmdOutput {
            rc: 0,
            stdout: s,
            stderr: "",
        })
    };
    assert!(parse("@@swaps\n@@dm\n@@dev\n").is_ok());
    assert!(
        parse("@@swaps\n@@dm\ndm-0 CRYPT-\u{1b}[2J\n@@dev\n").is_err(),
        "control character"
    );
    assert!(parse("@@swaps\n@@dm\n").is_err(), "cut short");
    assert!(
        parse("@@swaps\n@@dm\n@@dev\nUUID=x /etc/passwd\n").is_err(),
        "a node outside /dev"
    );
    assert!(parse(&"@@swaps\n".repeat(5000)).is_err(), "too many lines");
}

#[test]
fn offline_the_plan_renders_the_rows_only() {
    let inv = inv(&by_uuid("/srv/data"));
    let p = plan(&inv, &Facts::assumed());
    assert_eq!(p.findings.len(), 2);
    assert!(p.findings.iter().all(|f| f.check == "file-rows"));
    assert!(
        crate::controls::ALL
            .iter()
            .filter(|c| c.id() == "disks")
            .count()
            == 1
    );
}

#[test]
fn a_data_host_without_declared_volumes_drifts_unless_the_provider_or_a_waiver_covers_it() {
    let inv = inv("");
    let p = plan(&inv, &facts(&inv, "", ""));
    let f = finding(&p, "data-volumes");
    assert_eq!(f.status, Status::Drift, "{f:?}");
    assert_eq!(f.fix, crate::report::model::Fix::None);
    assert!(
        f.message
            .as_deref()
            .is_some_and(|m| m.contains("TOM-1.2-disk-encryption is not evidenced")),
        "{f:?}"
    );
    // An estate-wide waiver with its reason: information that names it.
    let t = format!("{HEAD}\n[defaults.disks]\nwaiver = \"lab without block devices\"\n[[hosts]]\nname = \"db-1\"\naddress = \"10.0.0.1\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"data\"]\ndisks = []\n");
    let waived = load_str(Path::new("/x/inv.toml"), t, sections()).expect("loads");
    let p = plan(&waived, &facts(&waived, "", ""));
    let f = finding(&p, "data-volumes");
    assert_eq!(f.status, Status::Info);
    assert!(
        f.message
            .as_deref()
            .is_some_and(|m| m.contains("waived in [defaults.disks]: lab without block devices")),
        "{f:?}"
    );
    // An OTC account: the provider's volumes are the evidence.
    let t = format!("{HEAD}\n[defaults.cloud.otc]\nregion = \"eu-de\"\ndomain = \"OTC-EU-DE-1\"\nproject = \"eu-de_x\"\nuser = \"u\"\npassword_env = \"OTC_PW\"\n[[hosts]]\nname = \"db-1\"\naddress = \"10.0.0.1\"\nprovider = \"telekom\"\nenvironment = \"test\"\nroles = [\"data\"]\ndisks = []\n");
    let otc = load_str(Path::new("/x/inv.toml"), t, sections()).expect("loads");
    let p = plan(&otc, &facts(&otc, "", ""));
    let f = finding(&p, "data-volumes");
    assert_eq!(f.status, Status::Info);
    assert!(
        f.message
            .as_deref()
            .is_some_and(|m| m.contains("evs check")),
        "{f:?}"
    );
    // With a declared volume there is no such finding.
    let inv = self::inv(&by_uuid("/srv/data"));
    let p = plan(&inv, &facts(&inv, fx!("luks/luks2-floor.out"), ""));
    assert!(!p.findings.iter().any(|f| f.check == "data-volumes"));
}
