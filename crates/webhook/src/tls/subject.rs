//! Client certificates: the subject check after WebPKI verification, and the few DER fields it
//! reads (subject CN, SAN DNS names).

use super::*;

/// WebPKI chain verification, then the subject check.
#[derive(Debug)]
pub(super) struct SubjectVerifier {
    pub(super) inner: Arc<dyn ClientCertVerifier>,
    pub(super) subjects: Vec<String>,
}

impl ClientCertVerifier for SubjectVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let ok = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        if self.subjects.is_empty() {
            return Ok(ok);
        }
        let names = certificate_names(end_entity);
        if names.iter().any(|n| self.subjects.contains(n)) {
            Ok(ok)
        } else {
            tracing::warn!(names = ?names, "client certificate subject not allowed");
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// One DER element: (tag, contents, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, b| (a << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// Elements of a DER sequence or set.
fn elements(mut input: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    while let Some((tag, body, rest)) = der(input) {
        out.push((tag, body));
        input = rest;
    }
    out
}

const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];

/// Subject common names and DNS subject alternative names of a certificate (a small DER walk:
/// the names only; the chain and signature were verified by webpki before).
pub fn certificate_names(cert: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let Some((0x30, body, _)) = der(cert) else {
        return names;
    };
    let Some((0x30, tbs, _)) = der(body) else {
        return names;
    };
    let mut fields = elements(tbs);
    if fields.first().is_some_and(|(t, _)| *t == 0xa0) {
        fields.remove(0);
    }
    // serial, signature, issuer, validity, subject, spki, then optional [1] [2] [3].
    if let Some((0x30, subject)) = fields.get(4) {
        for (_, rdn) in elements(subject) {
            for (_, atv) in elements(rdn) {
                let parts = elements(atv);
                if let [(0x06, oid), (_, value)] = parts.as_slice() {
                    if *oid == OID_CN {
                        names.push(String::from_utf8_lossy(value).into_owned());
                    }
                }
            }
        }
    }
    for (tag, body) in fields.iter().skip(6) {
        if *tag != 0xa3 {
            continue;
        }
        let Some((0x30, exts, _)) = der(body) else {
            continue;
        };
        for (_, ext) in elements(exts) {
            let parts = elements(ext);
            let Some((0x06, oid)) = parts.first() else {
                continue;
            };
            if *oid != OID_SAN {
                continue;
            }
            let Some((0x04, value)) = parts.last() else {
                continue;
            };
            let Some((0x30, general_names, _)) = der(value) else {
                continue;
            };
            for (tag, name) in elements(general_names) {
                if tag == 0x82 {
                    names.push(String::from_utf8_lossy(name).into_owned());
                }
            }
        }
    }
    names
}
