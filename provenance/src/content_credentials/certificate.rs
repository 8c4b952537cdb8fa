//! The on-device X.509 chain that C2PA requires in the COSE `x5chain` header.
//!
//! A client-only product has no CA, so each device is its own: a root CA whose key
//! is derived from the device identity key, and an end-entity signing certificate
//! for the device key itself. Validators will (honestly) report the signer as
//! untrusted unless a verifier chooses to trust this device's root; what still
//! holds is that the signature, the chain and the hash binding verify.
//!
//! The end-entity certificate satisfies the c2pa-rs certificate profile checks:
//! v3, Ed25519, not a CA, AuthorityKeyIdentifier, KeyUsage digitalSignature,
//! EKU id-kp-documentSigning (never anyExtendedKeyUsage), and a subject with an
//! Organization attribute (c2pa-rs reads the signer name from it).
//!
//! The TBSCertificate is assembled by hand instead of with x509-cert's `builder`
//! feature: that feature turns on `signature/rand_core`, which together with
//! ed25519-dalek's `std` pulls getrandom 0.2 and breaks wasm32-unknown-unknown.

use std::time::Duration;

use der::Encode;
use der::Tag;
use der::asn1::{
    Any, BitString, GeneralizedTime, ObjectIdentifier, OctetString, SetOfVec, UtcTime,
};
use der::oid::AssociatedOid;
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::error::CredentialError;

/// id-Ed25519 (RFC 8410); its AlgorithmIdentifier has absent parameters.
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// id-kp-documentSigning (RFC 9336), accepted by the C2PA certificate profile.
const EKU_DOCUMENT_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.36");

const OID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
/// c2pa-rs reports the subject's Organization as the signer ("issuer" in its JSON).
const ORGANIZATION: &str = "Kinora device (self-issued)";

/// notBefore for every device certificate: 2024-01-01T00:00:00Z. Library code has no
/// clock (it runs in the browser without one we trust), so validity is fixed rather
/// than "now"; the start predates every product build.
const NOT_BEFORE_UNIX: u64 = 1_704_067_200;
/// notAfter 9999-12-31T23:59:59Z: RFC 5280 §4.1.2.5's "no well-defined expiration".
const NOT_AFTER_UNIX: u64 = 253_402_300_799;

/// DER certificates, leaf first, as they go into `x5chain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCertificateChain {
    /// The end-entity certificate that signs manifests.
    pub signing_cert_der: Vec<u8>,
    /// The device's own root, which issued it.
    pub root_cert_der: Vec<u8>,
}

impl DeviceCertificateChain {
    /// Both, leaf first.
    pub fn x5chain(&self) -> [&[u8]; 2] {
        [&self.signing_cert_der, &self.root_cert_der]
    }
}

/// Builds the chain for `device_key`. Deterministic: the same key always yields the
/// same certificates, so a device's root can be pinned by whoever wants to trust it.
pub fn device_certificate_chain(
    device_key: &SigningKey,
) -> Result<DeviceCertificateChain, CredentialError> {
    let root_key = derive_root_key(device_key);
    let fingerprint = short_fingerprint(device_key);
    let root_name = name(&format!("Kinora device root {fingerprint}"))?;
    let leaf_name = name(&format!("Kinora device signer {fingerprint}"))?;
    let root_key_id = key_identifier(&root_key);

    let root_extensions = vec![
        extension(
            &BasicConstraints {
                ca: true,
                path_len_constraint: Some(0),
            },
            true,
        )?,
        extension(&KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign), true)?,
        extension(&SubjectKeyIdentifier(octets(&root_key_id)?), false)?,
    ];
    let root = issue(
        &root_key,
        root_name.clone(),
        serial(&root_key, b"root")?,
        root_name.clone(),
        &root_key,
        root_extensions,
    )?;

    let leaf_extensions = vec![
        extension(
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
            true,
        )?,
        extension(
            &KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
            true,
        )?,
        extension(&ExtendedKeyUsage(vec![EKU_DOCUMENT_SIGNING]), false)?,
        extension(
            &SubjectKeyIdentifier(octets(&key_identifier(device_key))?),
            false,
        )?,
        extension(
            &AuthorityKeyIdentifier {
                key_identifier: Some(octets(&root_key_id)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
            false,
        )?,
    ];
    let leaf = issue(
        device_key,
        leaf_name,
        serial(device_key, b"leaf")?,
        root_name,
        &root_key,
        leaf_extensions,
    )?;

    Ok(DeviceCertificateChain {
        signing_cert_der: leaf,
        root_cert_der: root,
    })
}

/// Assembles and signs one v3 certificate; returns its DER.
fn issue(
    subject_key: &SigningKey,
    subject: Name,
    serial_number: SerialNumber,
    issuer: Name,
    issuer_key: &SigningKey,
    extensions: Vec<Extension>,
) -> Result<Vec<u8>, CredentialError> {
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number,
        signature: ed25519_algorithm(),
        issuer,
        validity: validity()?,
        subject,
        subject_public_key_info: SubjectPublicKeyInfoOwned {
            algorithm: ed25519_algorithm(),
            subject_public_key: BitString::from_bytes(subject_key.verifying_key().as_bytes())
                .map_err(cert_err)?,
        },
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let signature = issuer_key.sign(&tbs.to_der().map_err(cert_err)?);
    let certificate = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: ed25519_algorithm(),
        signature: BitString::from_bytes(&signature.to_bytes()).map_err(cert_err)?,
    };
    certificate.to_der().map_err(cert_err)
}

fn ed25519_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: OID_ED25519,
        parameters: None,
    }
}

fn extension<T: Encode + AssociatedOid>(
    value: &T,
    critical: bool,
) -> Result<Extension, CredentialError> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(cert_err)?).map_err(cert_err)?,
    })
}

fn octets(bytes: &[u8]) -> Result<OctetString, CredentialError> {
    OctetString::new(bytes).map_err(cert_err)
}

/// Key identifier: leftmost 160 bits of SHA-256 of the public key (RFC 7093 §2 method 1).
fn key_identifier(key: &SigningKey) -> [u8; 20] {
    let digest = Sha256::digest(key.verifying_key().as_bytes());
    let mut id = [0u8; 20];
    id.copy_from_slice(&digest[..20]);
    id
}

/// The root key is a one-way function of the device secret, so the device needs to
/// store nothing extra and the root key is never the signing key.
fn derive_root_key(device_key: &SigningKey) -> SigningKey {
    let mut hasher = Sha256::new();
    hasher.update(b"kinora/c2pa/device-root-key/v1");
    hasher.update(device_key.to_bytes());
    SigningKey::from_bytes(&hasher.finalize().into())
}

fn short_fingerprint(key: &SigningKey) -> String {
    let digest = Sha256::digest(key.verifying_key().as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A positive, non-zero 128-bit serial derived from the public key and role.
fn serial(key: &SigningKey, role: &[u8]) -> Result<SerialNumber, CredentialError> {
    let mut hasher = Sha256::new();
    hasher.update(b"kinora/c2pa/serial/v1");
    hasher.update(role);
    hasher.update(key.verifying_key().as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[0] = (bytes[0] & 0x7f) | 0x01; // positive and no leading zero byte
    SerialNumber::new(&bytes).map_err(cert_err)
}

fn validity() -> Result<Validity, CredentialError> {
    Ok(Validity {
        not_before: Time::UtcTime(
            UtcTime::from_unix_duration(Duration::from_secs(NOT_BEFORE_UNIX)).map_err(cert_err)?,
        ),
        not_after: Time::GeneralTime(
            GeneralizedTime::from_unix_duration(Duration::from_secs(NOT_AFTER_UNIX))
                .map_err(cert_err)?,
        ),
    })
}

/// `O=Kinora device (self-issued), CN=<common_name>`, built from OIDs directly:
/// `Name::from_str` would link const-oid's ~80 KB OID-name database into the wasm.
fn name(common_name: &str) -> Result<Name, CredentialError> {
    let rdn = |oid: ObjectIdentifier, value: &str| -> Result<_, CredentialError> {
        let attribute = AttributeTypeAndValue {
            oid,
            value: Any::new(Tag::Utf8String, value.as_bytes()).map_err(cert_err)?,
        };
        Ok(RelativeDistinguishedName(
            SetOfVec::try_from(vec![attribute]).map_err(cert_err)?,
        ))
    };
    Ok(RdnSequence(vec![
        rdn(OID_ORGANIZATION, ORGANIZATION)?,
        rdn(OID_COMMON_NAME, common_name)?,
    ]))
}

fn cert_err(e: impl std::fmt::Display) -> CredentialError {
    CredentialError::Certificate(e.to_string())
}
