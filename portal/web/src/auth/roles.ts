import { useAuth } from './AuthProvider';

/**
 * Whether the signed-in member may change sites (create, deploy, start, stop, delete, settings):
 * every tenant role but `viewer`, as `x-berth-roles` in openapi.yaml says. Until /me is read the
 * answer is yes, so the page does not flicker for the common case; the API decides in the end.
 */
export function useCanChangeSites(): boolean {
  return useAuth().me?.role !== 'viewer';
}

/** Said where a viewer would find the controls it may not use. */
export const VIEWER_NOTE = 'Your role is viewer: you can look at sites but not change them.';
