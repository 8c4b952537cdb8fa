//! Cameo steps the page takes, without the page: creating a cameo, importing a consent
//! file (a grant or a revocation: the file says which), the grant an owner issues from
//! the form, and the cameos a prompt uses when it is exported.

use crate::StudioError;
use kinora_consent::ConsentError;
use kinora_consent::appearance::Appearance;
use kinora_consent::signed::{SignedGrant, SignedRevocation, Use};
use kinora_consent::vault::{Authorization, Vault};
use kinora_safety::{PromptPolicy, Verdict, cameo_mentions};
use std::ops::RangeInclusive;

/// What a grant from the page allows.
pub const GRANT_USES: [Use; 3] = [Use::Generate, Use::Remix, Use::Extend];
/// How many days a grant from the page may last.
pub const GRANT_DAYS: RangeInclusive<u64> = 1..=365;
/// The grant form's starting length in days.
pub const DEFAULT_GRANT_DAYS: u64 = 7;
const DAY: u64 = 86_400;

/// Creates a cameo owned by this device; returns its handle as stored (lowercase, no
/// `@`).
pub fn create(
    vault: &mut Vault,
    handle: &str,
    appearance: Appearance,
    photo: Option<Vec<u8>>,
) -> Result<String, ConsentError> {
    let id = vault.create_cameo(handle, appearance, photo)?;
    Ok(vault.owned()[&id].handle.clone())
}

/// The grant length typed into the form, in days: a number within [`GRANT_DAYS`], or
/// [`DEFAULT_GRANT_DAYS`] when it is not a number.
pub fn grant_days(typed: &str) -> u64 {
    typed
        .trim()
        .parse()
        .unwrap_or(DEFAULT_GRANT_DAYS)
        .clamp(*GRANT_DAYS.start(), *GRANT_DAYS.end())
}

/// Issues the page's grant for the owned cameo `cameo` to the device key `grantee`, for
/// `days` (clamped to [`GRANT_DAYS`]) from `now`.
pub fn issue_grant(
    vault: &Vault,
    cameo: &str,
    grantee: &str,
    now: u64,
    days: u64,
) -> Result<SignedGrant, ConsentError> {
    let days = days.clamp(*GRANT_DAYS.start(), *GRANT_DAYS.end());
    vault.issue_grant(cameo, grantee.trim(), &GRANT_USES, now, now + days * DAY)
}

/// Revokes the owned cameo `cameo`: the revocation file to send, and this device's clips
/// that used it (now unreadable; the gallery deletes them).
pub fn revoke(
    vault: &mut Vault,
    cameo: &str,
    now: u64,
) -> Result<(SignedRevocation, Vec<String>), ConsentError> {
    vault
        .revoke(cameo, now)
        .map(|(file, outcome)| (file, outcome.shredded_clips))
}

/// The download name of a grant file for `@handle`.
pub fn grant_file_name(handle: &str) -> String {
    format!("kinora-grant-{handle}.json")
}

/// The download name of a revocation file for `@handle`.
pub fn revocation_file_name(handle: &str) -> String {
    format!("kinora-revocation-{handle}.json")
}

/// What importing a consent file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// A grant: this device may now use `@handle`.
    Grant {
        /// The cameo's handle.
        handle: String,
    },
    /// A revocation: the cameo can no longer be used here.
    Revocation {
        /// This device's clips that used it: unreadable now; the gallery deletes them.
        shredded_clips: Vec<String>,
    },
}

/// Whether a file's text is a revocation (`{"kinora": "revocation", …}`); anything else
/// is read as a grant, whose import then says what is wrong with it.
fn is_revocation(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| {
            v.get("kinora")
                .and_then(|k| k.as_str())
                .map(|k| k == "revocation")
        })
        .unwrap_or(false)
}

/// Imports a consent file someone sent: a revocation or a grant (checked by the vault:
/// signature, grantee, expiry, revocations, handle free).
pub fn import(vault: &mut Vault, text: &str, now: u64) -> Result<Imported, StudioError> {
    if is_revocation(text) {
        vault
            .import_revocation(text)
            .map(|o| Imported::Revocation {
                shredded_clips: o.shredded_clips,
            })
            .map_err(StudioError::RevocationRefused)
    } else {
        vault
            .import_grant(text, now)
            .map(|handle| Imported::Grant { handle })
            .map_err(StudioError::GrantRefused)
    }
}

/// A cameo a prompt uses, with this device's permission to use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedCameo {
    /// `@handle` as the prompt names it (lowercase).
    pub handle: String,
    /// The vault's permission: its cameo id seals the clip, its co-owner signs with us.
    pub authorization: Authorization,
}

impl UsedCameo {
    /// How the clip's manifest names the co-owner: `@handle (owner key)`.
    pub fn co_owner(&self) -> String {
        format!("@{} ({})", self.handle, self.authorization.co_owner)
    }
}

/// The cameos `prompt` uses, each with this device's permission to generate with it:
/// their owners co-own the clip (the signed manifest says so) and their keys seal it in
/// the gallery. A prompt the guardrails refuse, or that names a cameo this device holds
/// no usable grant for, is not exported.
pub fn used_in_prompt(
    vault: &Vault,
    policy: &PromptPolicy,
    prompt: &str,
    now: u64,
) -> Result<Vec<UsedCameo>, StudioError> {
    if let Verdict::Refused(r) =
        policy.check_with_cameos(prompt, |h| vault.authorize(h, Use::Generate, now).is_ok())
    {
        return Err(StudioError::PromptRefused(r.to_string()));
    }
    cameo_mentions(&prompt.to_lowercase())
        .into_iter()
        .map(
            |handle| match vault.authorize(&handle, Use::Generate, now) {
                Ok(authorization) => Ok(UsedCameo {
                    handle,
                    authorization,
                }),
                Err(reason) => Err(StudioError::CameoNotUsable { handle, reason }),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::{NOW, look};

    /// Owner with @alice (its id) and a grantee device.
    fn owner_and_grantee() -> (Vault, String, Vault) {
        let mut owner = Vault::new().unwrap();
        let handle = create(&mut owner, " @Alice", look(), None).unwrap();
        assert_eq!(handle, "alice");
        let id = owner.owned().keys().next().unwrap().clone();
        (owner, id, Vault::new().unwrap())
    }

    #[test]
    fn a_bad_handle_is_refused() {
        let mut v = Vault::new().unwrap();
        assert!(matches!(
            create(&mut v, "a", look(), None),
            Err(ConsentError::Malformed(_))
        ));
    }

    #[test]
    fn grant_days_are_clamped_and_default_to_a_week() {
        assert_eq!(grant_days("30"), 30);
        assert_eq!(grant_days("0"), 1);
        assert_eq!(grant_days("9999"), 365);
        assert_eq!(grant_days("soon"), DEFAULT_GRANT_DAYS);
        assert_eq!(grant_days(""), DEFAULT_GRANT_DAYS);
    }

    #[test]
    fn a_grant_from_the_page_is_imported_and_a_revocation_shreds_the_clips() {
        let (mut owner, id, mut grantee) = owner_and_grantee();
        let grant = issue_grant(
            &owner,
            &id,
            &format!(" {} ", grantee.device_key()),
            NOW,
            9999,
        )
        .unwrap();
        assert_eq!(grant.payload.expires_at, NOW + 365 * DAY);
        assert_eq!(grant.payload.scope, GRANT_USES.to_vec());
        assert_eq!(
            import(&mut grantee, &grant.to_json(), NOW + 1),
            Ok(Imported::Grant {
                handle: "alice".into()
            })
        );
        let used =
            used_in_prompt(&grantee, PromptPolicy::builtin(), "@Alice waves", NOW + 1).unwrap();
        assert_eq!(used.len(), 1);
        assert_eq!(
            used[0].co_owner(),
            format!("@alice ({})", owner.device_key())
        );
        grantee
            .seal_clip("clip-1", &[used[0].authorization.clone()], b"mp4")
            .unwrap();

        let (revocation, own_shredded) = revoke(&mut owner, &id, NOW + 2).unwrap();
        assert!(own_shredded.is_empty());
        assert_eq!(
            import(&mut grantee, &revocation.to_json(), NOW + 3),
            Ok(Imported::Revocation {
                shredded_clips: vec!["clip-1".into()]
            })
        );
        // The grant is void now; importing it again is refused as a grant.
        assert_eq!(
            import(&mut grantee, &grant.to_json(), NOW + 3),
            Err(StudioError::GrantRefused(ConsentError::Revoked))
        );
        assert!(matches!(
            used_in_prompt(&grantee, PromptPolicy::builtin(), "@alice waves", NOW + 3),
            Err(StudioError::PromptRefused(_))
        ));
    }

    #[test]
    fn files_say_whether_they_are_revocations() {
        let (mut owner, id, mut grantee) = owner_and_grantee();
        let (revocation, _) = revoke(&mut owner, &id, NOW).unwrap();
        let compact = revocation.to_json().replace([' ', '\n'], "");
        assert!(is_revocation(&revocation.to_json()) && is_revocation(&compact));
        let tampered = revocation
            .to_json()
            .replace("\"revoked_at\": ", "\"revoked_at\": 1");
        assert!(matches!(
            import(&mut grantee, &tampered, NOW),
            Err(StudioError::RevocationRefused(_))
        ));
        assert!(matches!(
            import(&mut grantee, "not a file", NOW),
            Err(StudioError::GrantRefused(ConsentError::Malformed(_)))
        ));
    }

    #[test]
    fn a_prompt_without_cameos_uses_none_and_a_refused_prompt_is_not_exported() {
        let v = Vault::new().unwrap();
        let policy = PromptPolicy::builtin();
        assert_eq!(
            used_in_prompt(&v, policy, "a red ball", NOW),
            Ok(Vec::new())
        );
        assert!(matches!(
            used_in_prompt(&v, policy, "n.u.d.e photos of a celebrity", NOW),
            Err(StudioError::PromptRefused(_))
        ));
        assert_eq!(grant_file_name("alice"), "kinora-grant-alice.json");
        assert_eq!(
            revocation_file_name("alice"),
            "kinora-revocation-alice.json"
        );
    }
}
