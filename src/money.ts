/**
 * Money as people type and read it: yuan (元), never fen. One module for the server and the
 * console's browser code (it imports nothing, so the pages bundle it): a refund typed as 1000 once
 * meant ¥1,000 to the person and 1000 fen (¥10) to the server.
 */

/** Yuan as typed ("1000", "1,000.5", "¥1000", "1000元") → fen; null when it is not an amount with at most two decimals. */
export function fenOfYuan(typed: string | number): number | null {
  const text = String(typed)
    .trim()
    .replace(/^[¥￥]\s*/, '')
    .replace(/\s*元$/, '')
    .replace(/[,，]/g, '');
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Fen as a person reads yuan: 100000 → "¥1,000"; 100050 → "¥1,000.50" (cents only when there are some). */
export function yuanText(fen: number): string {
  const whole = Math.floor(fen / 100).toLocaleString('en-US');
  return fen % 100 ? `¥${whole}.${String(fen % 100).padStart(2, '0')}` : `¥${whole}`;
}

const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const SMALL = ['', '拾', '佰', '仟'];
const BIG = ['', '万', '亿'];

/** The amount in capital Chinese numerals, as a cheque or a bank confirmation writes it: 100050 → "人民币壹仟元零伍角". */
export function yuanInWords(fen: number): string {
  if (!Number.isInteger(fen) || fen < 0) return '';
  const yuan = Math.floor(fen / 100);
  const jiao = Math.floor(fen / 10) % 10;
  const cents = fen % 10;
  let out = '';
  if (yuan > 0) {
    const groups: number[] = [];
    for (let y = yuan; y > 0; y = Math.floor(y / 10_000)) groups.push(y % 10_000);
    let zero = false;
    for (let g = groups.length - 1; g >= 0; g--) {
      const n = groups[g];
      if (n === 0) {
        zero = true;
        continue;
      }
      let part = '';
      for (let i = 3; i >= 0; i--) {
        const d = Math.floor(n / 10 ** i) % 10;
        if (d === 0) {
          if (part || out) zero = true;
          continue;
        }
        if (zero && (part || out)) part += '零';
        zero = false;
        part += DIGITS[d] + SMALL[i];
      }
      out += part + BIG[g];
      if (n % 10 === 0) zero = true;
    }
    out += '元';
  }
  if (jiao === 0 && cents === 0) return `人民币${out || '零元'}整`;
  if (jiao > 0) out += `${DIGITS[jiao]}角`;
  else if (yuan > 0) out += '零';
  if (cents > 0) out += `${DIGITS[cents]}分`;
  return `人民币${out}`;
}

/** A deposit's state as every page says it (traveler, trip list, ops): one short word, one line with the amounts. */
export function depositState(d: { status: string; amountFen: number; refundedFen?: number }): { word: string; line: string } {
  const amount = yuanText(d.amountFen);
  const back = d.refundedFen ? yuanText(d.refundedFen) : '';
  switch (d.status) {
    case 'pending':
      return { word: '待支付定金', line: `定金 ${amount} 待支付` };
    case 'paid':
      return back
        ? { word: '已部分退款', line: `定金 ${amount} 已支付，已退回 ${back}` }
        : { word: '已支付定金', line: `定金 ${amount} 已支付` };
    case 'refunding':
      return { word: '定金退款中', line: `定金 ${amount}，退款处理中${back ? `（已退回 ${back}）` : ''}` };
    case 'refunded':
      return { word: '定金已退回', line: `定金 ${amount} 已全额退回` };
    case 'closed':
      return { word: '定金未支付', line: '定金订单已关闭（未支付）' };
    default:
      return { word: '', line: '' };
  }
}
