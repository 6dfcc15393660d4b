/**
 * What Switchyard repeats of a provider's words. A provider's error message goes into answers, operation records
 * and every notification, and some providers put credentials in theirs: the string they signed (which names the
 * access key id), the key id itself, or the Authorization they refused. Each pattern below removes one of them.
 */

/** The most of a provider's message Switchyard repeats: enough to act on, too little to carry a request dump. */
export const PROVIDER_TEXT_MAX_CHARS = 300;

const REDACTED = '[redacted]';

interface Redaction {
  pattern: RegExp;
  replacement: string;
}

const REDACTIONS: readonly Redaction[] = [
  // The signed string names the key id and the whole request: Alibaba's SignatureDoesNotMatch says "server string
  // to sign is:…" (error center, SignatureDoesNotMatch), its API gateway returns its StringToSign
  // (https://www.alibabacloud.com/help/doc-detail/43799.htm), OSS its <StringToSign>
  // (https://www.alibabacloud.com/help/en/oss/developer-reference/faq-24), and Huawei's APIGW signing names the
  // canonical request (https://support.huaweicloud.com/devg-apisign/): everything after it goes.
  {
    pattern: /(string[\s_-]*to[\s_-]*sign|canonical[\s_-]*request)[\s\S]*$/i,
    replacement: `$1 ${REDACTED}`,
  },
  // An Authorization header's value holds the key id and the signature (Alibaba ACS3 `Credential=…,Signature=…`,
  // Huawei `SDK-HMAC-SHA256 Access=…, Signature=…`, OCP `OCP-ACCESS-KEY-HMACSHA1 AK:signature`): up to the end of
  // its line, quote, bracket or sentence.
  {
    pattern: /(authorization["']?\s*[:=]\s*)[^\r\n"')]*?(?=\.\s|[\r\n"')]|$)/gi,
    replacement: `$1${REDACTED}`,
  },
  // OCP's AK/SK scheme puts `AK:signature` after its name, wherever the message quotes it.
  { pattern: /(OCP-ACCESS-KEY-HMACSHA1\s+)[^\s"',;)]+/g, replacement: `$1${REDACTED}` },
  // A key id named as such: `AccessKeyId=…`, `accessKeyId: …`, `access_key_id=…`, or URL-encoded `AccessKeyId%3D…`
  // as in Alibaba's RPC string-to-sign.
  {
    pattern: /(access[\s_-]?key[\s_-]?id["']?\s*(?:[:=]|%3D)\s*["']?)[^\s&,;"'<)]+/gi,
    replacement: `$1${REDACTED}`,
  },
  // The key id inside a signed Authorization: Alibaba ACS3 and AWS SigV4 `Credential=`, Huawei `Access=`.
  { pattern: /(\b(?:Credential|Access)=)[^\s,;"']+/g, replacement: `$1${REDACTED}` },
  // A signature given back: `Signature=…`, `signature: …`, URL-encoded `Signature%3D…`.
  { pattern: /(signature["']?\s*(?:[:=]|%3D)\s*["']?)[^\s&,;"'<)]+/gi, replacement: `$1${REDACTED}` },
  // An Alibaba AccessKey id, however it is quoted: `LTAI` and 12 to 30 letters and digits (the SDKs' key format).
  { pattern: /\bLTAI[A-Za-z0-9]{12,30}\b/g, replacement: REDACTED },
  // A Huawei AK (also AWS's key id shape): 20 upper-case letters and digits, at least one a letter, so that a long
  // number is left alone (https://support.huaweicloud.com/devg-apisign/, "Access=QTWA…KYUC").
  { pattern: /\b(?=[0-9]*[A-Z])[A-Z0-9]{20}\b/g, replacement: REDACTED },
];

/** The text without the credentials providers are known to echo. */
export function redactCredentials(text: string): string {
  return REDACTIONS.reduce(
    (redacted, { pattern, replacement }) => redacted.replace(pattern, replacement),
    text,
  );
}

/** At most `max` characters, the last an ellipsis when anything was cut; never half a surrogate pair. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const endsInHalfAPair = /[\ud800-\udbff]$/.test(cut);
  return `${endsInHalfAPair ? cut.slice(0, -1) : cut}…`;
}

/** A provider's message as Switchyard repeats it anywhere: credentials removed, then clipped. */
export function providerText(text: string): string {
  return clipText(redactCredentials(text), PROVIDER_TEXT_MAX_CHARS);
}
