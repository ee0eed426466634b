/** Length in Unicode code points (a surrogate pair counts once), which is what a "character" limit means to a user. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Whether `text` has more than `max` code points. UTF-16 length is an upper bound, so short strings skip the count. */
export function exceedsCodePoints(text: string, max: number): boolean {
  return text.length > max && codePointLength(text) > max;
}
