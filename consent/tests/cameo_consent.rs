//! Cameo consent end to end between two devices (owner and grantee vaults): grants,
//! forgery, tampering, expiry, replay, scope, revocation and crypto-shredding.

use kinora_consent::ConsentError;
use kinora_consent::appearance::Appearance;
use kinora_consent::signed::{SignedGrant, SignedRevocation, Use};
use kinora_consent::vault::{SealedClip, Vault};
use kinora_safety::PromptPolicy;

const NOW: u64 = 1_790_000_000;
const DAY: u64 = 86_400;

fn look() -> Appearance {
    Appearance {
        skin: [220, 180, 150],
        hair: [30, 20, 10],
        clothing: [200, 30, 40],
    }
}

/// A grant file from `owner` for `cameo`, letting `grantee` generate in `[from, until)`.
fn generate_grant(owner: &Vault, cameo: &str, grantee: &Vault, from: u64, until: u64) -> String {
    owner
        .issue_grant(cameo, &grantee.device_key(), &[Use::Generate], from, until)
        .unwrap()
        .to_json()
}

/// Owner with cameo @alice, grantee, and a grant file for the grantee.
fn setup() -> (Vault, Vault, String, String) {
    let mut owner = Vault::new().unwrap();
    let grantee = Vault::new().unwrap();
    let cameo = owner.create_cameo("@Alice", look(), None).unwrap();
    let grant = generate_grant(&owner, &cameo, &grantee, NOW, NOW + 7 * DAY);
    (owner, grantee, cameo, grant)
}

#[test]
fn a_valid_grant_allows_generation_and_names_the_owner_as_co_owner() {
    let (owner, mut grantee, cameo, grant) = setup();
    assert!(grantee.authorize("alice", Use::Generate, NOW).is_err());
    assert_eq!(grantee.import_grant(&grant, NOW + 10).unwrap(), "alice");
    let auth = grantee
        .authorize("@alice", Use::Generate, NOW + 10)
        .unwrap();
    assert_eq!(auth.cameo_id, cameo);
    assert_eq!(auth.co_owner, owner.device_key());
    assert_eq!(auth.appearance, look());
    // And the prompt guardrail now lets "@alice" through on this device only.
    let policy = PromptPolicy::builtin();
    let can = |h: &str| grantee.authorize(h, Use::Generate, NOW + 10).is_ok();
    assert!(
        !policy
            .check_with_cameos("@alice waves at the camera", can)
            .is_refused()
    );
    assert!(policy.check("@alice waves at the camera").is_refused());
}

#[test]
fn forged_grants_are_rejected() {
    let (_owner, mut grantee, _cameo, _grant) = setup();
    // A stranger signs a grant claiming @alice: the cameo id binds owner key + handle,
    // so either the id or the signature gives it away.
    let mut stranger = Vault::new().unwrap();
    let fake = stranger.create_cameo("alice", look(), None).unwrap();
    let forged = generate_grant(&stranger, &fake, &grantee, NOW, NOW + DAY);
    // Replace the owner key with the real owner's: the signature no longer matches.
    let (owner, ..) = setup();
    let swapped = forged.replace(&stranger.device_key(), &owner.device_key());
    assert_eq!(
        grantee.import_grant(&swapped, NOW),
        Err(ConsentError::BadSignature)
    );
}

#[test]
fn tampered_grants_are_rejected() {
    let (_owner, mut grantee, _cameo, grant) = setup();
    let longer = grant.replace(&(NOW + 7 * DAY).to_string(), &(NOW + 700 * DAY).to_string());
    assert_ne!(longer, grant);
    assert_eq!(
        grantee.import_grant(&longer, NOW),
        Err(ConsentError::BadSignature)
    );
    let wider = grant.replace("\"generate\"", "\"generate\", \"remix\"");
    assert_eq!(
        grantee.import_grant(&wider, NOW),
        Err(ConsentError::BadSignature)
    );
    let extra = grant.replacen("\"grant_id\"", "\"admin\": true, \"grant_id\"", 1);
    assert!(matches!(
        grantee.import_grant(&extra, NOW),
        Err(ConsentError::Malformed(_))
    ));
    assert!(matches!(
        grantee.import_grant("{not json", NOW),
        Err(ConsentError::Malformed(_))
    ));
}

#[test]
fn expired_and_future_grants_are_rejected_and_expiry_applies_after_import() {
    let (_owner, mut grantee, _cameo, grant) = setup();
    assert_eq!(
        grantee.import_grant(&grant, NOW + 8 * DAY),
        Err(ConsentError::Expired)
    );
    assert_eq!(
        grantee.import_grant(&grant, NOW - 1),
        Err(ConsentError::Expired)
    );
    grantee.import_grant(&grant, NOW).unwrap();
    assert_eq!(
        grantee.authorize("alice", Use::Generate, NOW + 8 * DAY),
        Err(ConsentError::Expired)
    );
}

#[test]
fn a_grant_is_bound_to_its_grantee_device() {
    let (_owner, _grantee, _cameo, grant) = setup();
    let mut someone_else = Vault::new().unwrap();
    assert_eq!(
        someone_else.import_grant(&grant, NOW),
        Err(ConsentError::WrongGrantee)
    );
}

#[test]
fn scope_is_enforced() {
    let (_owner, mut grantee, _cameo, grant) = setup();
    grantee.import_grant(&grant, NOW).unwrap();
    assert_eq!(
        grantee.authorize("alice", Use::Remix, NOW),
        Err(ConsentError::OutOfScope("remixing".into()))
    );
}

#[test]
fn revocation_blocks_at_once_and_shreds_clips_using_the_cameo() {
    let (mut owner, mut grantee, cameo, grant) = setup();
    grantee.import_grant(&grant, NOW).unwrap();
    let auth = grantee.authorize("alice", Use::Generate, NOW).unwrap();
    let clip = grantee.seal_clip("clip-1", &[auth], b"mp4 bytes").unwrap();
    let plain = grantee.seal_clip("clip-2", &[], b"no cameo here").unwrap();
    assert_eq!(grantee.open_clip(&clip).unwrap(), b"mp4 bytes");
    assert_eq!(clip.co_owners, vec![owner.device_key()]);

    let revocation = owner.revoke(&cameo, NOW + 60).unwrap().0.to_json();
    let outcome = grantee.import_revocation(&revocation).unwrap();
    assert_eq!(outcome.cameo_id, cameo);
    assert_eq!(outcome.shredded_clips, vec!["clip-1".to_string()]);
    assert_eq!(
        grantee.authorize("alice", Use::Generate, NOW + 61),
        Err(ConsentError::NoGrant("alice".into()))
    );
    assert!(matches!(
        grantee.open_clip(&clip),
        Err(ConsentError::Unreadable(_))
    ));
    // The same ciphertext restored from a backup of the gallery stays unreadable.
    let restored = Vault::from_json(&grantee.to_json()).unwrap();
    assert!(restored.open_clip(&clip).is_err());
    assert_eq!(restored.open_clip(&plain).unwrap(), b"no cameo here");

    // Replay: the old grant cannot be imported again after the revocation.
    assert_eq!(
        grantee.import_grant(&grant, NOW + 120),
        Err(ConsentError::Revoked)
    );
}

#[test]
fn revocations_are_verified_too() {
    let (mut owner, mut grantee, cameo, grant) = setup();
    grantee.import_grant(&grant, NOW).unwrap();
    let real = owner.revoke(&cameo, NOW + 5).unwrap().0.to_json();
    // Tampered revocation (pushed into the past): signature breaks.
    let tampered = real.replace(&(NOW + 5).to_string(), &(NOW - 5).to_string());
    assert_eq!(
        grantee.import_revocation(&tampered).map(|_| ()),
        Err(ConsentError::BadSignature)
    );
    // A stranger cannot revoke someone else's cameo (their key signs, but is not the owner).
    let mut stranger = Vault::new().unwrap();
    let theirs = stranger.create_cameo("bob", look(), None).unwrap();
    let (stranger_rev, _) = stranger.revoke(&theirs, NOW).unwrap();
    let forged =
        SignedRevocation::from_json(&stranger_rev.to_json().replace(&theirs, &cameo)).unwrap();
    assert!(forged.verify().is_err());
    let relabeled = stranger_rev.to_json().replace(&theirs, &cameo);
    assert!(grantee.import_revocation(&relabeled).is_err());
    assert!(grantee.authorize("alice", Use::Generate, NOW + 1).is_ok());
    // A grant file is not a revocation, and vice versa.
    assert!(matches!(
        grantee.import_revocation(&grant),
        Err(ConsentError::Malformed(_))
    ));
    assert!(SignedGrant::from_json(&real).is_err());
}

#[test]
fn photos_are_kept_only_when_asked_and_vaults_round_trip() {
    let mut v = Vault::new().unwrap();
    let a = v.create_cameo("anna", look(), None).unwrap();
    let b = v
        .create_cameo("ben", look(), Some(vec![1, 2, 3, 4]))
        .unwrap();
    assert_eq!(v.owned()[&a].photo, None);
    assert_eq!(v.owned()[&b].photo, Some(vec![1, 2, 3, 4]));
    let back = Vault::from_json(&v.to_json()).unwrap();
    assert_eq!(back.device_key(), v.device_key());
    assert_eq!(back.owned(), v.owned());
    assert!(v.create_cameo("@x", look(), None).is_err());
    assert!(v.create_cameo("no spaces", look(), None).is_err());
}

#[test]
fn sealed_clips_survive_storage_as_bytes_and_reject_damage() {
    let (_owner, mut grantee, _cameo, grant) = setup();
    grantee.import_grant(&grant, NOW).unwrap();
    let auth = grantee.authorize("alice", Use::Generate, NOW).unwrap();
    let video: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let clip = grantee.seal_clip("clip-9", &[auth], &video).unwrap();
    let stored = clip.to_bytes();
    // The stored bytes do not contain the plaintext (no MP4 box names, no long run of it).
    assert!(!stored.windows(64).any(|w| w == &video[1000..1064]));
    let back = SealedClip::from_bytes(&stored).unwrap();
    assert_eq!(back, clip);
    assert_eq!(grantee.open_clip(&back).unwrap(), video);
    assert!(grantee.can_open(&back.cameo_ids));

    // A flipped ciphertext byte, a truncated file and a foreign file are refused.
    let mut flipped = stored.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let flipped = SealedClip::from_bytes(&flipped).unwrap();
    assert!(matches!(
        grantee.open_clip(&flipped),
        Err(ConsentError::Unreadable(_))
    ));
    assert!(SealedClip::from_bytes(&stored[..10]).is_err());
    assert!(SealedClip::from_bytes(b"\0\0\0\x18ftypisom").is_err());
    // The clip id is authenticated: the same ciphertext under another id does not open.
    let header_len = u32::from_le_bytes(stored[4..8].try_into().unwrap()) as usize;
    let header = String::from_utf8(stored[8..8 + header_len].to_vec()).unwrap();
    let mut renamed = stored[..4].to_vec();
    renamed.extend_from_slice(&stored[4..8]);
    renamed.extend_from_slice(header.replace("clip-9", "clip-8").as_bytes());
    renamed.extend_from_slice(&stored[8 + header_len..]);
    let renamed = SealedClip::from_bytes(&renamed).unwrap();
    assert_eq!(renamed.clip_id, "clip-8");
    assert!(grantee.open_clip(&renamed).is_err());
}

#[test]
fn an_owner_revoking_their_own_cameo_shreds_their_own_clips() {
    let mut owner = Vault::new().unwrap();
    let cameo = owner.create_cameo("alice", look(), None).unwrap();
    let auth = owner.authorize("alice", Use::Generate, NOW).unwrap();
    let clip = owner.seal_clip("mine", &[auth], b"video").unwrap();
    let (_, outcome) = owner.revoke(&cameo, NOW + 1).unwrap();
    assert_eq!(outcome.shredded_clips, vec!["mine".to_string()]);
    assert!(!owner.can_open(&clip.cameo_ids));
    assert!(owner.open_clip(&clip).is_err());
}

#[test]
fn one_handle_means_one_person_on_a_device() {
    let (_owner, mut grantee, _cameo, grant) = setup();
    grantee.import_grant(&grant, NOW).unwrap();
    // A second person who also calls themselves @alice cannot shadow the first.
    let mut other = Vault::new().unwrap();
    let theirs = other.create_cameo("alice", look(), None).unwrap();
    let second = generate_grant(&other, &theirs, &grantee, NOW, NOW + DAY);
    assert!(matches!(
        grantee.import_grant(&second, NOW + 1),
        Err(ConsentError::HandleTaken(h, _)) if h == "alice"
    ));
    // Nor can a grant take the handle of this device's own cameo.
    let mut me = Vault::new().unwrap();
    me.create_cameo("alice", look(), None).unwrap();
    let to_me = generate_grant(&other, &theirs, &me, NOW, NOW + DAY);
    assert!(matches!(
        me.import_grant(&to_me, NOW + 1),
        Err(ConsentError::HandleTaken(..))
    ));
    // The same owner re-granting (a renewal) is fine.
    let (mut owner, mut grantee, cameo, grant) = setup();
    grantee.import_grant(&grant, NOW).unwrap();
    let renewal = generate_grant(&owner, &cameo, &grantee, NOW + 5, NOW + 30 * DAY);
    assert_eq!(grantee.import_grant(&renewal, NOW + 6).unwrap(), "alice");
    let _ = owner.revoke(&cameo, NOW + 7).unwrap();
}

#[test]
fn saving_a_stale_copy_cannot_undo_a_revocation() {
    // Two tabs hold copies of one vault; one imports a revocation, the other saves later.
    let (mut owner, mut grantee, cameo, grant) = setup();
    grantee.import_grant(&grant, NOW).unwrap();
    let auth = grantee.authorize("alice", Use::Generate, NOW).unwrap();
    let clip = grantee.seal_clip("c", &[auth], b"video").unwrap();
    let mut stale_tab = Vault::from_json(&grantee.to_json()).unwrap();
    let (revocation, _) = owner.revoke(&cameo, NOW + 1).unwrap();
    grantee.import_revocation(&revocation.to_json()).unwrap();
    let shredded = stale_tab.merge_stored(&grantee);
    assert_eq!(shredded, vec!["c".to_string()]);
    assert!(stale_tab.open_clip(&clip).is_err());
    assert!(
        stale_tab
            .authorize("alice", Use::Generate, NOW + 2)
            .is_err()
    );
    // Nothing to absorb the second time.
    assert!(stale_tab.merge_stored(&grantee).is_empty());
}

#[test]
fn saving_one_tab_keeps_what_the_other_tab_added() {
    // Two tabs load the same vault. Tab A imports a grant and seals a clip with it; tab B
    // creates its own cameo. Each saves after merging the stored copy: nothing is lost.
    let (mut owner, grantee, cameo, grant) = setup();
    let mut tab_a = Vault::from_json(&grantee.to_json()).unwrap();
    let mut tab_b = Vault::from_json(&grantee.to_json()).unwrap();
    tab_a.import_grant(&grant, NOW).unwrap();
    let auth = tab_a.authorize("alice", Use::Generate, NOW).unwrap();
    let clip = tab_a.seal_clip("c", &[auth], b"video").unwrap();
    let stored = Vault::from_json(&tab_a.to_json()).unwrap(); // tab A saved
    tab_b.create_cameo("bob", look(), None).unwrap();
    assert!(tab_b.merge_stored(&stored).is_empty());
    // Tab B's save now holds both the grant (and the clip's key) and its own cameo.
    let saved = Vault::from_json(&tab_b.to_json()).unwrap();
    assert_eq!(saved.open_clip(&clip).unwrap(), b"video");
    assert!(saved.grants(NOW).iter().any(|g| g.handle == "alice"));
    assert!(saved.owned().values().any(|c| c.handle == "bob"));
    // A revocation still wins over the union: revoke in one copy, merge into the other.
    let mut revoked_copy = Vault::from_json(&saved.to_json()).unwrap();
    let (revocation, _) = owner.revoke(&cameo, NOW + 1).unwrap();
    revoked_copy
        .import_revocation(&revocation.to_json())
        .unwrap();
    let mut other = Vault::from_json(&saved.to_json()).unwrap();
    assert_eq!(other.merge_stored(&revoked_copy), vec!["c".to_string()]);
    assert!(other.open_clip(&clip).is_err());
    // And merging the pre-revocation copy back in does not resurrect the grant or key.
    other.merge_stored(&saved);
    assert!(other.open_clip(&clip).is_err());
    assert!(other.authorize("alice", Use::Generate, NOW + 2).is_err());
    // A vault with another identity gives only its revocations.
    let mut stranger = Vault::new().unwrap();
    stranger.merge_stored(&saved);
    assert!(stranger.owned().is_empty() && stranger.grants(NOW).is_empty());
}
