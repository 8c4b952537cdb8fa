//! The consent vault of one device: its identity key, the cameos it owns, the grants and
//! revocations it imported, and per-cameo content keys.
//!
//! Every clip that uses cameos is encrypted (AES-256-GCM) under a key derived from *all*
//! of its cameos' content keys. Importing a revocation destroys that cameo's content key
//! (crypto-shredding): every clip that used it becomes unreadable at once, even if a copy
//! of the ciphertext survives in storage, and the vault names those clips so the gallery
//! deletes them too.
//!
//! The vault serializes to JSON (including secret keys) for the app to keep in local
//! storage; nothing in it is ever sent anywhere.

use super::appearance::Appearance;
use super::signed::{
    GrantPayload, RevocationPayload, SignedGrant, SignedRevocation, Use, cameo_id, decode_key,
    encode_key,
};
use super::{ConsentError, random_bytes};
use aes_gcm::aead::{Aead, KeyInit, Payload as AeadPayload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// A cameo this device owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedCameo {
    /// `@handle`.
    pub handle: String,
    /// The conditioning derived from the photo.
    pub appearance: Appearance,
    /// The photo itself (RGBA bytes), only when the owner asked to keep it.
    pub photo: Option<Vec<u8>>,
}

/// Permission to use a cameo, as [`Vault::authorize`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The cameo.
    pub cameo_id: String,
    /// Its appearance conditioning.
    pub appearance: Appearance,
    /// The owner's public key: recorded as co-owner of the clip (and in its manifest).
    pub co_owner: String,
}

/// A clip's bytes encrypted under its cameos' keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedClip {
    /// The clip's id in the gallery.
    pub clip_id: String,
    /// Cameos it uses (all of their keys are needed to open it).
    pub cameo_ids: Vec<String>,
    /// Owners of those cameos: co-owners of the clip.
    pub co_owners: Vec<String>,
    nonce: [u8; 12],
    ciphertext: Vec<u8>,
}

/// The part of a [`SealedClip`] stored next to its ciphertext.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedHeader {
    clip_id: String,
    cameo_ids: Vec<String>,
    co_owners: Vec<String>,
    nonce: String,
}

/// Magic of a sealed clip file: a version byte follows in the name.
const SEALED_MAGIC: &[u8; 4] = b"KSC1";

impl SealedClip {
    /// A compact file for storage: `KSC1`, the header's length (u32 LE), the header
    /// (JSON), then the ciphertext as is — a video is megabytes, so it is never put
    /// through JSON.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = SealedHeader {
            clip_id: self.clip_id.clone(),
            cameo_ids: self.cameo_ids.clone(),
            co_owners: self.co_owners.clone(),
            nonce: B64.encode(self.nonce),
        };
        let header = serde_json::to_vec(&header).unwrap_or_default();
        let mut out = Vec::with_capacity(8 + header.len() + self.ciphertext.len());
        out.extend_from_slice(SEALED_MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Reads [`Self::to_bytes`]'s format back.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ConsentError> {
        let bad = |why: &str| ConsentError::Malformed(format!("sealed clip: {why}"));
        let rest = bytes
            .strip_prefix(SEALED_MAGIC.as_slice())
            .ok_or_else(|| bad("not a sealed Kinora clip"))?;
        let (len, rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| bad("truncated"))?;
        let len = u32::from_le_bytes(*len) as usize;
        if rest.len() < len {
            return Err(bad("truncated header"));
        }
        let (header, ciphertext) = rest.split_at(len);
        let header: SealedHeader =
            serde_json::from_slice(header).map_err(|e| bad(&e.to_string()))?;
        let nonce: [u8; 12] = B64
            .decode(&header.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| bad("bad nonce"))?;
        Ok(Self {
            clip_id: header.clip_id,
            cameo_ids: header.cameo_ids,
            co_owners: header.co_owners,
            nonce,
            ciphertext: ciphertext.to_vec(),
        })
    }
}

/// An imported grant as the UI lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantSummary {
    /// `@handle`.
    pub handle: String,
    /// The owner's public key.
    pub owner_key: String,
    /// Allowed uses.
    pub scope: Vec<Use>,
    /// Unix seconds.
    pub expires_at: u64,
    /// `None` when usable now, else why not.
    pub problem: Option<ConsentError>,
}

/// What importing a revocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationOutcome {
    /// The revoked cameo.
    pub cameo_id: String,
    /// Clips that used it: now unreadable; the gallery must delete them.
    pub shredded_clips: Vec<String>,
}

/// One device's consent state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Vault {
    identity: [u8; 32],
    owned: BTreeMap<String, OwnedCameo>,
    grants: BTreeMap<String, String>,
    revoked: BTreeMap<String, u64>,
    content_keys: BTreeMap<String, [u8; 32]>,
    clips_by_cameo: BTreeMap<String, BTreeSet<String>>,
}

impl Vault {
    /// A new vault with a fresh identity key.
    pub fn new() -> Result<Self, ConsentError> {
        Ok(Self {
            identity: random_bytes()?,
            owned: BTreeMap::new(),
            grants: BTreeMap::new(),
            revoked: BTreeMap::new(),
            content_keys: BTreeMap::new(),
            clips_by_cameo: BTreeMap::new(),
        })
    }

    fn signing_key(&self) -> SigningKey {
        SigningKey::from_bytes(&self.identity)
    }

    /// This device's key for signing the content credentials of clips it exports (the
    /// same identity grants are issued to, so a manifest names the device that made it).
    pub fn content_signing_key(&self) -> SigningKey {
        self.signing_key()
    }

    /// This device's public key: what an owner puts in a grant for it.
    pub fn device_key(&self) -> String {
        encode_key(&self.signing_key().verifying_key())
    }

    /// Saves the vault (secret keys included) for local storage.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Restores a saved vault.
    pub fn from_json(text: &str) -> Result<Self, ConsentError> {
        serde_json::from_str(text).map_err(|e| ConsentError::Malformed(e.to_string()))
    }

    /// Creates a cameo owned by this device. `photo` is kept only if given.
    pub fn create_cameo(
        &mut self,
        handle: &str,
        appearance: Appearance,
        photo: Option<Vec<u8>>,
    ) -> Result<String, ConsentError> {
        let handle = normalize_handle(handle)?;
        let id = cameo_id(&self.signing_key().verifying_key(), &handle);
        self.revoked.remove(&id);
        self.owned.insert(
            id.clone(),
            OwnedCameo {
                handle,
                appearance,
                photo,
            },
        );
        Ok(id)
    }

    /// Cameos this device owns.
    pub fn owned(&self) -> &BTreeMap<String, OwnedCameo> {
        &self.owned
    }

    /// Issues a grant for an owned cameo to `grantee_key`, valid `[now, expires_at)`.
    pub fn issue_grant(
        &self,
        cameo: &str,
        grantee_key: &str,
        scope: &[Use],
        now: u64,
        expires_at: u64,
    ) -> Result<SignedGrant, ConsentError> {
        let owned = self
            .owned
            .get(cameo)
            .ok_or_else(|| ConsentError::UnknownCameo(cameo.into()))?;
        decode_key(grantee_key)?;
        let payload = GrantPayload {
            grant_id: B64.encode(random_bytes::<16>()?),
            cameo_id: cameo.to_string(),
            handle: owned.handle.clone(),
            owner_key: self.device_key(),
            grantee_key: grantee_key.to_string(),
            scope: scope
                .iter()
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            issued_at: now,
            expires_at,
            appearance: owned.appearance,
        };
        Ok(SignedGrant::sign(payload, &self.signing_key()))
    }

    /// Revokes an owned cameo: all grants issued up to `now` become void everywhere the
    /// revocation is imported. Applies to this device at once: the returned outcome names
    /// this device's own clips that used the cameo (now unreadable; the gallery deletes
    /// them).
    pub fn revoke(
        &mut self,
        cameo: &str,
        now: u64,
    ) -> Result<(SignedRevocation, RevocationOutcome), ConsentError> {
        if !self.owned.contains_key(cameo) {
            return Err(ConsentError::UnknownCameo(cameo.into()));
        }
        let revocation = SignedRevocation::sign(
            RevocationPayload {
                cameo_id: cameo.to_string(),
                owner_key: self.device_key(),
                revoked_at: now,
            },
            &self.signing_key(),
        );
        let outcome =
            self.apply_revocation(&revocation.payload.cameo_id, revocation.payload.revoked_at);
        self.owned.remove(cameo);
        Ok((revocation, outcome))
    }

    /// Imports a grant file after checking signature, grantee, validity window and
    /// revocations. Returns the cameo's handle.
    pub fn import_grant(&mut self, text: &str, now: u64) -> Result<String, ConsentError> {
        let grant = SignedGrant::from_json(text)?;
        self.check_grant(&grant, now)?;
        let handle = grant.payload.handle.clone();
        self.check_handle_free(&handle, &grant.payload.owner_key, now)?;
        self.grants
            .insert(grant.payload.grant_id.clone(), text.to_string());
        Ok(handle)
    }

    fn check_grant(&self, grant: &SignedGrant, now: u64) -> Result<(), ConsentError> {
        grant.verify_grant()?;
        let p = &grant.payload;
        if p.grantee_key != self.device_key() {
            return Err(ConsentError::WrongGrantee);
        }
        if now < p.issued_at || now >= p.expires_at {
            return Err(ConsentError::Expired);
        }
        if self
            .revoked
            .get(&p.cameo_id)
            .is_some_and(|&at| p.issued_at <= at)
        {
            return Err(ConsentError::Revoked);
        }
        Ok(())
    }

    /// Imports a revocation file: verifies it, voids the cameo's grants, and shreds the
    /// content key of every clip that used it.
    pub fn import_revocation(&mut self, text: &str) -> Result<RevocationOutcome, ConsentError> {
        let revocation = SignedRevocation::from_json(text)?;
        revocation.verify()?;
        let p = &revocation.payload;
        // A revocation must come from the cameo's owner: the id binds owner and handle,
        // so compare with the grants we hold for it (or our own cameo).
        let owner_matches = self
            .grants_for(&p.cameo_id)
            .all(|g| g.payload.owner_key == p.owner_key)
            && self
                .owned
                .get(&p.cameo_id)
                .is_none_or(|_| p.owner_key == self.device_key());
        if !owner_matches {
            return Err(ConsentError::BadSignature);
        }
        Ok(self.apply_revocation(&p.cameo_id, p.revoked_at))
    }

    /// Records that `cameo` was revoked at `revoked_at` (already verified by the caller),
    /// shreds its content key and drops its grants.
    fn apply_revocation(&mut self, cameo: &str, revoked_at: u64) -> RevocationOutcome {
        let at = self.revoked.entry(cameo.to_string()).or_insert(0);
        *at = (*at).max(revoked_at);
        self.content_keys.remove(cameo);
        let shredded = self.clips_by_cameo.remove(cameo).unwrap_or_default();
        self.grants.retain(|_, text| {
            SignedGrant::from_json(text).is_ok_and(|g| g.payload.cameo_id != cameo)
        });
        RevocationOutcome {
            cameo_id: cameo.to_string(),
            shredded_clips: shredded.into_iter().collect(),
        }
    }

    /// Handles are chosen by their owners, so two people may both call themselves
    /// `@alice`. A prompt's `@alice` must mean one person on this device, so a grant whose
    /// handle is already taken here by another owner (a usable grant, or this device's
    /// own cameo) is refused rather than silently shadowing or being shadowed.
    fn check_handle_free(&self, handle: &str, owner: &str, now: u64) -> Result<(), ConsentError> {
        let own = self.owned.values().any(|c| c.handle == handle);
        let other_owner = self
            .grants
            .values()
            .filter_map(|text| SignedGrant::from_json(text).ok())
            .find(|g| {
                g.payload.handle == handle
                    && g.payload.owner_key != owner
                    && self.check_grant(g, now).is_ok()
            });
        match (own, other_owner) {
            (true, _) => Err(ConsentError::HandleTaken(
                handle.into(),
                "you (your own cameo)".into(),
            )),
            (false, Some(g)) => Err(ConsentError::HandleTaken(
                handle.into(),
                format!(
                    "the owner with key {}…",
                    g.payload.owner_key.chars().take(12).collect::<String>()
                ),
            )),
            (false, None) => Ok(()),
        }
    }

    /// Merges in another copy of this vault — the stored one, which another tab of this
    /// device may have saved since this one loaded — so that saving this copy loses
    /// nothing either tab did:
    /// - its revocations are applied here (a stale copy can never bring a revoked
    ///   cameo's key back); the clips they make unreadable are returned;
    /// - the cameos, grants and clip keys it has and this copy lacks are taken in, unless
    ///   revoked here. Nothing else is ever removed from a vault except by a revocation,
    ///   so a union loses nothing. (Where both copies made a content key for the same
    ///   cameo — both tabs used a granted cameo for the first time before either saved —
    ///   this copy's is kept and the other tab's clips for it stay unreadable here; the
    ///   app reloads the vault whenever another tab saves it, which keeps that window
    ///   short.)
    ///
    /// A copy with another identity (two tabs that each created a vault at once) gives
    /// only its revocations: its grants name the other identity as grantee.
    pub fn merge_stored(&mut self, other: &Vault) -> Vec<String> {
        let mut shredded = Vec::new();
        for (cameo, &at) in &other.revoked {
            if self.revoked.get(cameo).is_some_and(|&mine| mine >= at) {
                continue;
            }
            shredded.extend(self.apply_revocation(cameo, at).shredded_clips);
            // The other copy revoked a cameo this one still owns: its owner revoked it.
            if !other.owned.contains_key(cameo) {
                self.owned.remove(cameo);
            }
        }
        if other.identity != self.identity {
            return shredded;
        }
        let revoked = |vault: &Vault, cameo: &str| vault.revoked.contains_key(cameo);
        for (id, cameo) in &other.owned {
            if !revoked(self, id) {
                self.owned
                    .entry(id.clone())
                    .or_insert_with(|| cameo.clone());
            }
        }
        for (id, text) in &other.grants {
            let usable = SignedGrant::from_json(text).is_ok_and(|g| {
                self.revoked
                    .get(&g.payload.cameo_id)
                    .is_none_or(|&at| g.payload.issued_at > at)
            });
            if usable {
                self.grants
                    .entry(id.clone())
                    .or_insert_with(|| text.clone());
            }
        }
        for (cameo, key) in &other.content_keys {
            if revoked(self, cameo) && !self.owned.contains_key(cameo) {
                continue;
            }
            if self.content_keys.get(cameo).is_some_and(|mine| mine != key) {
                continue;
            }
            self.content_keys.insert(cameo.clone(), *key);
            let clips = other.clips_by_cameo.get(cameo).cloned().unwrap_or_default();
            self.clips_by_cameo
                .entry(cameo.clone())
                .or_default()
                .extend(clips);
        }
        shredded
    }

    /// The grants this device holds, with their state at `now`.
    pub fn grants(&self, now: u64) -> Vec<GrantSummary> {
        self.grants
            .values()
            .filter_map(|text| SignedGrant::from_json(text).ok())
            .map(|g| GrantSummary {
                problem: self.check_grant(&g, now).err(),
                handle: g.payload.handle,
                owner_key: g.payload.owner_key,
                scope: g.payload.scope,
                expires_at: g.payload.expires_at,
            })
            .collect()
    }

    fn grants_for<'a>(&'a self, cameo: &'a str) -> impl Iterator<Item = SignedGrant> + 'a {
        self.grants
            .values()
            .filter_map(|text| SignedGrant::from_json(text).ok())
            .filter(move |g| g.payload.cameo_id == cameo)
    }

    /// May this device use `@handle` for `use_`? Own cameos always; others need a valid,
    /// unrevoked, unexpired grant whose scope covers the use.
    pub fn authorize(
        &self,
        handle: &str,
        use_: Use,
        now: u64,
    ) -> Result<Authorization, ConsentError> {
        let handle = normalize_handle(handle)?;
        if let Some((id, owned)) = self.owned.iter().find(|(_, c)| c.handle == handle) {
            return Ok(Authorization {
                cameo_id: id.clone(),
                appearance: owned.appearance,
                co_owner: self.device_key(),
            });
        }
        let mut last_error = ConsentError::NoGrant(handle.clone());
        for text in self.grants.values() {
            let Ok(grant) = SignedGrant::from_json(text) else {
                continue;
            };
            if grant.payload.handle != handle {
                continue;
            }
            match self.check_grant(&grant, now) {
                Ok(()) if grant.payload.scope.contains(&use_) => {
                    return Ok(Authorization {
                        cameo_id: grant.payload.cameo_id.clone(),
                        appearance: grant.payload.appearance,
                        co_owner: grant.payload.owner_key.clone(),
                    });
                }
                Ok(()) => last_error = ConsentError::OutOfScope(use_.to_string()),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    fn content_key(&mut self, cameo: &str) -> Result<[u8; 32], ConsentError> {
        if self.revoked.contains_key(cameo) && !self.owned.contains_key(cameo) {
            return Err(ConsentError::Revoked);
        }
        if let Some(k) = self.content_keys.get(cameo) {
            return Ok(*k);
        }
        let k = random_bytes()?;
        self.content_keys.insert(cameo.to_string(), k);
        Ok(k)
    }

    /// The clip key: SHA-256 over every cameo's content key (sorted) and the clip id, so
    /// losing any one of them loses the clip.
    fn clip_key(&self, clip_id: &str, cameos: &[String]) -> Result<[u8; 32], ConsentError> {
        let mut h = Sha256::new();
        h.update(b"kinora/clip-key/v1\0");
        for c in cameos {
            let k = self.content_keys.get(c).ok_or_else(|| {
                ConsentError::Unreadable(format!("cameo {c} was revoked; its key is gone"))
            })?;
            h.update(k);
        }
        h.update(clip_id.as_bytes());
        Ok(h.finalize().into())
    }

    /// Encrypts a clip that uses `authorizations` (from [`Self::authorize`]).
    pub fn seal_clip(
        &mut self,
        clip_id: &str,
        authorizations: &[Authorization],
        bytes: &[u8],
    ) -> Result<SealedClip, ConsentError> {
        let cameos: Vec<String> = authorizations
            .iter()
            .map(|a| a.cameo_id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for c in &cameos {
            self.content_key(c)?;
        }
        let key = self.clip_key(clip_id, &cameos)?;
        let nonce: [u8; 12] = random_bytes()?;
        let co_owners: Vec<String> = authorizations
            .iter()
            .map(|a| a.co_owner.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let aad = sealed_aad(clip_id, &cameos, &co_owners);
        let ciphertext = Aes256Gcm::new(&key.into())
            .encrypt(
                Nonce::from_slice(&nonce),
                AeadPayload {
                    msg: bytes,
                    aad: &aad,
                },
            )
            .map_err(|e| ConsentError::Unreadable(e.to_string()))?;
        for c in &cameos {
            self.clips_by_cameo
                .entry(c.clone())
                .or_default()
                .insert(clip_id.to_string());
        }
        Ok(SealedClip {
            clip_id: clip_id.to_string(),
            co_owners,
            cameo_ids: cameos,
            nonce,
            ciphertext,
        })
    }

    /// Whether any of these cameos was revoked here (its clips must be deleted). A clip
    /// that cannot be opened for another reason — a vault restored from before it was
    /// made — is not "revoked" and must not be deleted on that ground.
    pub fn any_revoked(&self, cameo_ids: &[String]) -> bool {
        cameo_ids.iter().any(|c| self.revoked.contains_key(c))
    }

    /// Whether a clip sealed under these cameos can still be opened here (false once any
    /// of them was revoked and its key shredded).
    pub fn can_open(&self, cameo_ids: &[String]) -> bool {
        cameo_ids.iter().all(|c| self.content_keys.contains_key(c))
    }

    /// Decrypts a sealed clip as stored ([`SealedClip::to_bytes`]).
    pub fn open_stored(&self, bytes: &[u8]) -> Result<Vec<u8>, ConsentError> {
        self.open_clip(&SealedClip::from_bytes(bytes)?)
    }

    /// Decrypts a sealed clip; fails once any of its cameos was revoked.
    pub fn open_clip(&self, clip: &SealedClip) -> Result<Vec<u8>, ConsentError> {
        let key = self.clip_key(&clip.clip_id, &clip.cameo_ids)?;
        Aes256Gcm::new(&key.into())
            .decrypt(
                Nonce::from_slice(&clip.nonce),
                AeadPayload {
                    msg: &clip.ciphertext,
                    aad: &sealed_aad(&clip.clip_id, &clip.cameo_ids, &clip.co_owners),
                },
            )
            .map_err(|_| ConsentError::Unreadable("wrong key or altered data".into()))
    }
}

/// What the clip's encryption authenticates besides its bytes: its id, its cameos and its
/// co-owners, so none of the stored header can be swapped without breaking the clip.
fn sealed_aad(clip_id: &str, cameos: &[String], co_owners: &[String]) -> Vec<u8> {
    let mut aad = b"kinora/sealed-clip/v1".to_vec();
    for part in std::iter::once(clip_id)
        .chain(cameos.iter().map(String::as_str))
        .chain(std::iter::once(""))
        .chain(co_owners.iter().map(String::as_str))
    {
        aad.push(0);
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

/// Handles are lowercase letters, digits, `_` and `-`, 2–32 characters, without `@`.
pub fn normalize_handle(handle: &str) -> Result<String, ConsentError> {
    let h = handle.trim().trim_start_matches('@').to_lowercase();
    let ok = (2..=32).contains(&h.chars().count())
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(h)
    } else {
        Err(ConsentError::Malformed(format!(
            "“{handle}” is not a handle: use 2–32 letters, digits, _ or -"
        )))
    }
}
