//! End-to-end: make a real MP4 with ffmpeg, sign it, and let the reference C2PA
//! implementation (`c2pa` crate) read and validate it; then tamper and check that
//! validation fails.

use std::io::Cursor;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine;
use c2pa::{Context, Reader, ValidationState};
use ed25519_dalek::SigningKey;
use kinora_provenance::content_credentials::{
    ClaimInfo, CredentialError, TRAINED_ALGORITHMIC_MEDIA, device_certificate_chain, sign_mp4,
};
use serde_json::Value;

const PROMPT_SHA256: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const TITLE: &str = "Kinora test clip";

fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

fn ffmpeg_mp4(name: &str, faststart: bool) -> Vec<u8> {
    let out = tmp(name);
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-y", "-v", "error", "-f", "lavfi", "-i"])
        .arg("testsrc=size=128x128:rate=12:duration=2")
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:sample_rate=48000:duration=2",
        ])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]);
    if faststart {
        cmd.args(["-movflags", "+faststart"]);
    }
    let status = cmd.arg(&out).status().expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg failed");
    std::fs::read(out).unwrap()
}

/// The fast-start MP4 (ftyp, moov, …, mdat), made once per test binary.
fn faststart_mp4() -> &'static [u8] {
    static MP4: OnceLock<Vec<u8>> = OnceLock::new();
    MP4.get_or_init(|| ffmpeg_mp4("input_faststart.mp4", true))
}

fn top_level_types(mp4: &[u8]) -> Vec<String> {
    let mut pos = 0;
    let mut types = Vec::new();
    while pos + 8 <= mp4.len() {
        let size = u32::from_be_bytes(mp4[pos..pos + 4].try_into().unwrap()) as usize;
        types.push(String::from_utf8_lossy(&mp4[pos + 4..pos + 8]).into_owned());
        assert!(size >= 8, "test helper handles only 32-bit sizes");
        pos += size;
    }
    types
}

fn device_key() -> SigningKey {
    SigningKey::from_bytes(&[42u8; 32])
}

fn claim_info(co_owners: &[&str]) -> ClaimInfo {
    ClaimInfo {
        generator_name: "Kinora".to_string(),
        generator_version: "0.3.1".to_string(),
        title: TITLE.to_string(),
        prompt_sha256_hex: PROMPT_SHA256.to_string(),
        co_owners: co_owners.iter().map(|s| s.to_string()).collect(),
    }
}

fn signed(co_owners: &[&str]) -> Vec<u8> {
    sign_mp4(faststart_mp4(), &claim_info(co_owners), &device_key()).expect("signs")
}

/// What the reference validator concluded about a file.
#[derive(Debug)]
struct Outcome {
    state: ValidationState,
    failures: Vec<String>,
    successes: Vec<String>,
    json: Value,
}

fn validate_with(reader: Reader) -> Outcome {
    let results = reader.validation_results().expect("validation ran");
    let active = results.active_manifest().expect("active manifest results");
    Outcome {
        state: reader.validation_state(),
        failures: active
            .failure()
            .iter()
            .map(|s| s.code().to_string())
            .collect(),
        successes: active
            .success()
            .iter()
            .map(|s| s.code().to_string())
            .collect(),
        json: serde_json::from_str(&reader.json()).unwrap(),
    }
}

/// `Err` when the reader refuses the file outright (also a reported failure).
fn validate(bytes: &[u8]) -> Result<Outcome, c2pa::Error> {
    Reader::from_context(Context::new())
        .with_stream("video/mp4", Cursor::new(bytes.to_vec()))
        .map(validate_with)
}

fn active_manifest(json: &Value) -> &Value {
    let label = json["active_manifest"]
        .as_str()
        .expect("active manifest label");
    &json["manifests"][label]
}

fn assertion<'a>(manifest: &'a Value, label: &str) -> Option<&'a Value> {
    manifest["assertions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["label"] == label)
        .map(|a| &a["data"])
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("pattern present")
}

#[test]
fn signed_mp4_carries_a_valid_manifest_with_every_claim_field() {
    let signed = signed(&["@alice", "ed25519:abc123"]);
    assert_eq!(
        top_level_types(&signed)[..3],
        ["ftyp", "uuid", "moov"],
        "manifest box sits right after ftyp"
    );

    let outcome = validate(&signed).expect("reader accepts the file");
    eprintln!("clean file: state={:?}", outcome.state);
    eprintln!("  success codes: {:?}", outcome.successes);
    eprintln!("  failure codes: {:?}", outcome.failures);

    assert_eq!(outcome.state, ValidationState::Valid);
    assert_eq!(outcome.failures, ["signingCredential.untrusted"]);
    for code in [
        "claimSignature.validated",
        "claimSignature.insideValidity",
        "assertion.bmffHash.match",
        "assertion.hashedURI.match",
    ] {
        assert!(
            outcome.successes.iter().any(|c| c == code),
            "missing {code}"
        );
    }

    let manifest = active_manifest(&outcome.json);
    assert_eq!(manifest["claim_version"], 2);
    assert_eq!(manifest["title"], TITLE);
    assert_eq!(manifest["claim_generator_info"][0]["name"], "Kinora");
    assert_eq!(manifest["claim_generator_info"][0]["version"], "0.3.1");
    assert_eq!(manifest["signature_info"]["alg"], "Ed25519");

    let actions = assertion(manifest, "c2pa.actions.v2").expect("actions assertion");
    assert_eq!(actions["actions"][0]["action"], "c2pa.created");
    assert_eq!(
        actions["actions"][0]["digitalSourceType"],
        TRAINED_ALGORITHMIC_MEDIA
    );
    assert_eq!(
        actions["actions"][0]["digitalSourceType"],
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    );

    let recipe = assertion(manifest, "com.kinora.recipe").expect("recipe assertion");
    assert_eq!(recipe["prompt_sha256"], PROMPT_SHA256);

    let co_owners = assertion(manifest, "com.kinora.co_owners").expect("co-owners assertion");
    assert_eq!(
        co_owners["co_owners"],
        serde_json::json!(["@alice", "ed25519:abc123"])
    );

    assert!(assertion(manifest, "c2pa.hash.bmff.v3").is_some());
}

#[test]
fn co_owner_assertion_is_omitted_when_there_are_none() {
    let outcome = validate(&signed(&[])).unwrap();
    assert_eq!(outcome.state, ValidationState::Valid);
    let manifest = active_manifest(&outcome.json);
    assert!(assertion(manifest, "com.kinora.co_owners").is_none());
    assert!(assertion(manifest, "com.kinora.recipe").is_some());
}

#[test]
fn trusting_the_device_root_makes_the_manifest_trusted() {
    // Proves the x5chain is a well-formed chain (leaf verifies under the device root),
    // not just a pile of certificates: with the root as a user anchor, c2pa-rs trusts it.
    let chain = device_certificate_chain(&device_key()).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&chain.root_cert_der);
    let pem = format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n");
    let context = Context::new()
        .with_settings(serde_json::json!({"trust": {"user_anchors": pem}}))
        .unwrap();
    let reader = Reader::from_context(context)
        .with_stream("video/mp4", Cursor::new(signed(&[])))
        .unwrap();
    let outcome = validate_with(reader);
    eprintln!(
        "with device root trusted: state={:?} failures={:?} successes={:?}",
        outcome.state, outcome.failures, outcome.successes
    );
    assert_eq!(outcome.state, ValidationState::Trusted);
    assert!(outcome.failures.is_empty());
    assert!(
        outcome
            .successes
            .iter()
            .any(|c| c == "signingCredential.trusted")
    );
}

fn ffprobe_ok(path: &PathBuf) -> String {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,nb_frames",
        ])
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ffprobe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "ffprobe errors: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Decodes every frame; returns the per-frame MD5 list (and fails on any decode error).
fn decode_framemd5(path: &PathBuf) -> String {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "framemd5", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "decode errors: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn signed_file_still_probes_and_decodes_to_identical_frames() {
    let original = tmp("decode_original.mp4");
    let signed_path = tmp("decode_signed.mp4");
    std::fs::write(&original, faststart_mp4()).unwrap();
    std::fs::write(&signed_path, signed(&["@bob"])).unwrap();

    let probe = ffprobe_ok(&signed_path);
    assert_eq!(probe, ffprobe_ok(&original));
    assert!(probe.contains("h264") && probe.contains("aac"), "{probe}");

    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&signed_path)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert!(status.status.success() && status.stderr.is_empty());

    // Same decoded audio+video samples: the shifted chunk offsets point at the same data.
    let frames = decode_framemd5(&signed_path);
    assert!(frames.lines().filter(|l| !l.starts_with('#')).count() > 24);
    assert_eq!(frames, decode_framemd5(&original));
}

#[test]
fn moov_after_mdat_layout_is_signed_and_decodes_too() {
    let plain = ffmpeg_mp4("input_plain.mp4", false);
    let types = top_level_types(&plain);
    let moov = types.iter().position(|t| t == "moov").unwrap();
    let mdat = types.iter().position(|t| t == "mdat").unwrap();
    assert!(
        mdat < moov,
        "ffmpeg default layout has moov at the end: {types:?}"
    );

    let signed = sign_mp4(&plain, &claim_info(&[]), &device_key()).unwrap();
    let outcome = validate(&signed).unwrap();
    assert_eq!(
        outcome.state,
        ValidationState::Valid,
        "{:?}",
        outcome.failures
    );
    let (a, b) = (tmp("plain_in.mp4"), tmp("plain_signed.mp4"));
    std::fs::write(&a, &plain).unwrap();
    std::fs::write(&b, &signed).unwrap();
    assert_eq!(decode_framemd5(&a), decode_framemd5(&b));
}

fn assert_tamper_detected(what: &str, tampered: &[u8], expected_code: &str) {
    match validate(tampered) {
        Ok(outcome) => {
            eprintln!(
                "{what}: state={:?} failures={:?}",
                outcome.state, outcome.failures
            );
            assert_eq!(outcome.state, ValidationState::Invalid, "{what}");
            assert!(
                outcome.failures.iter().any(|c| c == expected_code),
                "{what}: expected {expected_code} in {:?}",
                outcome.failures
            );
        }
        Err(e) => panic!("{what}: reader refused the file instead of reporting: {e}"),
    }
}

#[test]
fn flipping_a_media_byte_inside_mdat_is_detected() {
    let mut bytes = signed(&[]);
    let mdat = find(&bytes, b"mdat");
    let at = mdat + 4 + 1000; // well inside the coded samples
    bytes[at] ^= 0x01;
    assert_tamper_detected("mdat byte flipped", &bytes, "assertion.bmffHash.mismatch");
}

#[test]
fn flipping_a_byte_in_moov_is_detected() {
    let mut bytes = signed(&[]);
    let at = find(&bytes, b"mvhd") + 30;
    bytes[at] ^= 0x01;
    assert_tamper_detected("moov byte flipped", &bytes, "assertion.bmffHash.mismatch");
}

#[test]
fn changing_the_claim_is_detected_by_the_signature() {
    let mut bytes = signed(&[]);
    let at = find(&bytes, TITLE.as_bytes()); // dc:title lives only in the claim
    bytes[at] = b'X';
    assert_tamper_detected(
        "claim title byte changed",
        &bytes,
        "claimSignature.mismatch",
    );
}

#[test]
fn changing_a_signature_byte_is_detected() {
    let bytes = signed(&[]);
    let sig_box = find(&bytes, b"c2pa.signature\0");
    // The Ed25519 signature is the last 64 bytes of the COSE_Sign1, which ends the
    // signature box, the manifest and the store, i.e. the C2PA uuid box.
    let uuid_start = find(&bytes, b"uuid") - 4;
    let uuid_len = u32::from_be_bytes(bytes[uuid_start..uuid_start + 4].try_into().unwrap());
    let last_sig_byte = uuid_start + uuid_len as usize - 1;
    assert!(last_sig_byte > sig_box);
    let mut tampered = bytes.clone();
    tampered[last_sig_byte - 10] ^= 0x80;
    assert_tamper_detected(
        "signature byte flipped",
        &tampered,
        "claimSignature.mismatch",
    );
}

#[test]
fn changing_the_prompt_hash_is_detected() {
    let mut bytes = signed(&[]);
    let at = find(&bytes, PROMPT_SHA256.as_bytes());
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    assert_tamper_detected(
        "prompt hash changed",
        &bytes,
        "assertion.hashedURI.mismatch",
    );
}

#[test]
fn rejects_bad_inputs_with_typed_errors() {
    let key = device_key();
    let mut info = claim_info(&[]);
    info.prompt_sha256_hex = "not-a-hash".to_string();
    assert!(matches!(
        sign_mp4(faststart_mp4(), &info, &key),
        Err(CredentialError::InvalidPromptHash(_))
    ));

    assert!(matches!(
        sign_mp4(b"definitely not an mp4", &claim_info(&[]), &key),
        Err(CredentialError::MalformedMp4(_))
    ));

    let truncated = &faststart_mp4()[..faststart_mp4().len() - 100];
    assert!(matches!(
        sign_mp4(truncated, &claim_info(&[]), &key),
        Err(CredentialError::MalformedMp4(_))
    ));

    assert!(matches!(
        sign_mp4(&signed(&[]), &claim_info(&[]), &key),
        Err(CredentialError::AlreadySigned)
    ));
}

#[test]
fn signing_is_deterministic_and_key_specific() {
    let a = signed(&[]);
    assert_eq!(a, signed(&[]));
    let other = sign_mp4(
        faststart_mp4(),
        &claim_info(&[]),
        &SigningKey::from_bytes(&[9u8; 32]),
    )
    .unwrap();
    assert_ne!(a, other);
    assert_eq!(validate(&other).unwrap().state, ValidationState::Valid);
}
