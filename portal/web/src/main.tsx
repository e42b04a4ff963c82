import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App';
import { AuthProvider } from './auth/AuthProvider';
import { OperationsProvider } from './operations/OperationsProvider';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <AuthProvider>
        <OperationsProvider>
          <App />
        </OperationsProvider>
      </AuthProvider>
    </BrowserRouter>
  </StrictMode>,
);
