import { Link } from 'react-router';
import { PageHeading } from '../components/PageHeading';

export function NotFoundPage() {
  return (
    <section>
      <PageHeading title="Not found">Not found</PageHeading>
      <p>There is no page here. <Link to="/sites">Go to your sites</Link>.</p>
    </section>
  );
}
