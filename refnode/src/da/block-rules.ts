import { type Certificate, type DaValidator, verifyCertificate } from './certificate.ts';
import type { ChannelBook } from './channels.ts';

/** Why a block's `da` list is refused (block rejection reason `bad_da`). */
export interface DaBlockFault {
  reason: 'bad_da';
  message: string;
}

/**
 * Checks the certificates of a block on top of the channel state `parent` and returns the
 * channel state after the block, or the fault naming the entry: each certificate must verify
 * against genesis validators (≥ 2/3 stake), appear once, and continue its channel in order
 * (first blob claims the channel; later ones by its owner, sequence = next).
 */
export function applyBlockCertificates(
  da: readonly unknown[],
  parent: ChannelBook,
  rules: { validators: readonly DaValidator[]; chainId: string; maxCertificates: number },
): { book: ChannelBook; certificates: Certificate[] } | DaBlockFault {
  if (da.length > rules.maxCertificates)
    return {
      reason: 'bad_da',
      message: `${da.length} certificates, at most ${rules.maxCertificates} per block`,
    };
  const book = da.length === 0 ? parent : parent.child();
  const seen = new Set<string>();
  const certificates: Certificate[] = [];
  for (const [index, raw] of da.entries()) {
    const verified = verifyCertificate(raw, rules.validators, rules.chainId);
    if (!('ok' in verified))
      return { reason: 'bad_da', message: `certificate ${index}: ${verified.message}` };
    const { certificate } = verified;
    if (seen.has(certificate.id))
      return {
        reason: 'bad_da',
        message: `certificate ${index}: blob ${certificate.id.slice(0, 12)} appears twice`,
      };
    seen.add(certificate.id);
    const refusal = book.apply(certificate.header);
    if (refusal !== undefined)
      return { reason: 'bad_da', message: `certificate ${index}: ${refusal.code}: ${refusal.message}` };
    certificates.push(certificate);
  }
  return { book, certificates };
}
