/** After a refused submit, takes keyboard and screen-reader users to the first field to correct. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  setTimeout(() => form?.querySelector<HTMLElement>('[aria-invalid="true"], .field-invalid input')?.focus(), 0);
}
