/**
 * Query-protocol parameters (EC2 `IpPermissions.1.IpRanges.1.CidrIp`, ELBv2
 * `Conditions.member.1.Values.member.2`) as nested objects and arrays, so limits can be checked on the
 * shapes the API documents rather than on flat keys.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

export function nestForm(form: URLSearchParams): FormObject {
  const root: FormObject = {};
  for (const [key, value] of form) {
    const parts = key.split('.').filter((p) => p !== 'member');
    let node: FormObject | FormValue[] = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const next = parts[i + 1];
      const slot: string | number = /^\d+$/.test(part) ? Number(part) - 1 : part;
      const holder = node as Record<string | number, FormValue>;
      if (last) {
        holder[slot] = value;
        return;
      }
      holder[slot] ??= /^\d+$/.test(next) ? [] : {};
      node = holder[slot] as FormObject | FormValue[];
    });
  }
  return root;
}

export const list = (v: FormValue | undefined): FormValue[] =>
  Array.isArray(v) ? v.filter((x) => x !== undefined) : [];
export const obj = (v: FormValue | undefined): FormObject =>
  v && typeof v === 'object' && !Array.isArray(v) ? v : {};
export const str = (v: FormValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
