/** A simulation's numbers in words, for the report and the console's 模拟 page. */

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${Math.round(ms / 1000)} 秒`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} 分钟`;
  return `${(ms / 3_600_000).toFixed(1)} 小时`;
}

/** A setting tried, as ops would say it. */
export function settingWords(s: { tierDelays: string; cap: number; proposalDeadline: number }): string {
  const delays = s.tierDelays
    .split(',')
    .map((p) => p.split(':'))
    .map(([t, sec]) => `${t} ${Number(sec) >= 60 ? `${Math.round(Number(sec) / 60)} 分` : `${sec} 秒`}`)
    .join('、');
  return `分级释放 ${delays}；每单最多 ${s.cap} 人；方案期限 ${Math.round(s.proposalDeadline / 3600)} 小时`;
}
