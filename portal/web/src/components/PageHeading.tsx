import { useEffect, useRef, type ReactNode } from 'react';

/**
 * The page's h1. On every new page it takes the focus (so keyboard and screen-reader users start at
 * the new content, as after a full page load) and names the document.
 */
export function PageHeading({ children, title }: { children: ReactNode; title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Berth`;
    heading.current?.focus();
  }, [title]);
  return <h1 ref={heading} tabIndex={-1}>{children}</h1>;
}
