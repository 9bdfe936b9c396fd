/**
 * The digital card's and the coupons' barcodes, drawn on the gateway as SVG by bwip-js (the
 * Barcode Writer in Pure PostScript, the reference encoder many label printers use): a Code128
 * with the card number, as printed on the plastic cards and read by every till scanner, and a QR
 * code with the same number for phone-screen scanners. The kiosk's scanner reads either as the
 * card itself (protocol/src/scan-codes.ts). No script runs on the phone to draw them.
 */
import { toSVG } from 'bwip-js';

/** Code128 of `text`, with quiet zones so a scanner finds its edges on any background. */
export function code128Svg(text: string): string {
  return toSVG({ bcid: 'code128', text, scale: 3, height: 14, includetext: false, paddingwidth: 10, paddingheight: 4, backgroundcolor: 'FFFFFF' });
}

/** A QR code of `text` (BWIPP's default error correction, M; a four-module quiet zone). */
export function qrSvg(text: string): string {
  return toSVG({ bcid: 'qrcode', text, scale: 4, paddingwidth: 16, paddingheight: 16, backgroundcolor: 'FFFFFF' });
}
